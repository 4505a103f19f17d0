// Talk to a running `gptft serve` with the official `openai` client: a chat completion, the same
// one streamed, and the models the server offers (the base and each adapter).
//   npx tsx examples/serve-openai.ts [http://127.0.0.1:8000] [demo-chat]
import OpenAI from 'openai';

export async function askServer(url = 'http://127.0.0.1:8000', model = 'demo-chat') {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: process.env.GPTFT_API_KEY ?? 'none' });

  const models = (await client.models.list()).data.map((m) => m.id); // ['base', 'demo-chat']

  const messages = [{ role: 'user' as const, content: 'Where is my order?' }];
  const reply = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 32 });
  console.log(reply.choices[0]!.message.content, reply.usage);

  const stream = await client.chat.completions.create({
    model,
    messages,
    temperature: 0,
    max_tokens: 32,
    stream: true,
  });
  let streamed = '';
  for await (const chunk of stream) {
    const piece = chunk.choices[0]?.delta.content ?? '';
    streamed += piece;
    process.stdout.write(piece);
  }
  console.log();
  return { models, reply: reply.choices[0]!.message.content!, streamed };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await askServer(process.argv[2], process.argv[3]);
}
