/** A strict little XML reader for the tests: every tag must close, attributes must be quoted. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const TAG = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
const ATTR = /([\w:-]+)="([^"<]*)"/g;

const decodeEntities = (s: string) =>
  s.replace(
    /&(lt|gt|quot|#39|amp);/g,
    (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e]!,
  );

/** Parses one element (the SVG root); throws on anything not well-formed. */
export function parseXml(src: string): XmlElement {
  const root: XmlElement = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  let i = 0;
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const text = src.slice(i, lt < 0 ? src.length : lt);
    if (/&(?!(lt|gt|quot|#39|amp);)/.test(text)) throw new Error(`unescaped & in "${text}"`);
    if (/>/.test(text)) throw new Error(`stray > in "${text}"`);
    stack[stack.length - 1]!.text += decodeEntities(text);
    if (lt < 0) break;
    TAG.lastIndex = lt;
    const m = TAG.exec(src);
    if (!m) throw new Error(`malformed tag at ${lt}: ${src.slice(lt, lt + 60)}`);
    const [, close, name, attrText, selfClose] = m;
    if (close) {
      const open = stack.pop()!;
      if (open.name !== name) throw new Error(`</${name}> closes <${open.name}>`);
    } else {
      const attrs: Record<string, string> = {};
      for (const a of attrText!.matchAll(ATTR)) attrs[a[1]!] = decodeEntities(a[2]!);
      const el: XmlElement = { name: name!, attrs, children: [], text: '' };
      stack[stack.length - 1]!.children.push(el);
      if (!selfClose) stack.push(el);
    }
    i = TAG.lastIndex;
  }
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1]!.name}> is not closed`);
  if (root.children.length !== 1) throw new Error(`expected one root element, got ${root.children.length}`);
  return root.children[0]!;
}

/** All descendants (depth first) matching `pred`. */
export function findAll(el: XmlElement, pred: (e: XmlElement) => boolean): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (pred(c)) out.push(c);
    out.push(...findAll(c, pred));
  }
  return out;
}

/** The data points of series `name` of a chart, mapped back through its axis attributes. */
export function chartData(svg: XmlElement, name: string): Array<[number, number]> {
  const plot = findAll(svg, (e) => e.attrs.class === 'plot')[0]!;
  const n = (k: string) => Number(plot.attrs[`data-${k}`]);
  const line = findAll(plot, (e) => e.name === 'polyline' && e.attrs['data-series'] === name)[0];
  if (!line) return [];
  return line.attrs.points!.split(' ').map((p) => {
    const [px, py] = p.split(',').map(Number) as [number, number];
    return [
      n('x-min') + ((px - n('left')) / n('width')) * (n('x-max') - n('x-min')),
      n('y-max') - ((py - n('top')) / n('height')) * (n('y-max') - n('y-min')),
    ];
  });
}
