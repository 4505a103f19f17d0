// VitePress' default theme; the playground's component (playground/) is imported by playground.md.
import DefaultTheme from 'vitepress/theme';

export default DefaultTheme;
