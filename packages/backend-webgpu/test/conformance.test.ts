import { runBackendConformance } from '@gptft/backend/conformance';
import { beforeAll, describe, it } from 'vitest';
import '../src/index.js';

runBackendConformance('webgpu', { describe, it, beforeAll });
