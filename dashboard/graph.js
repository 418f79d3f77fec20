// The job's operator graph: one box per chain (job vertex) with its operators and parallelism,
// laid out in columns by depth, with the partitioning of every edge. Built with DOM calls only,
// so operator names (user data) are never parsed as markup.

const SVG = 'http://www.w3.org/2000/svg';
const BOX_W = 220;
const LINE_H = 15;
const GAP_X = 70;
const GAP_Y = 24;

function el(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Cuts a name to fit a box (the full name is in the tooltip). */
function fit(text, max = 32) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Draws `plan` (Flink's plan: nodes with inputs, plus flink-ts's operator lists) into `container`.
 * `levels` maps a vertex id to its back-pressure level ('ok' | 'low' | 'high').
 */
export function renderGraph(container, plan, levels) {
  const nodes = plan.nodes;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = new Map();
  const depthOf = (n) => {
    if (depth.has(n.id)) return depth.get(n.id);
    depth.set(n.id, 0);
    const d = Math.max(-1, ...(n.inputs ?? []).map((i) => (byId.has(i.id) ? depthOf(byId.get(i.id)) : -1))) + 1;
    depth.set(n.id, d);
    return d;
  };
  const columns = [];
  for (const n of nodes) (columns[depthOf(n)] ??= []).push(n);
  const heightOf = (n) => 34 + Math.max(1, (n.operators ?? []).length) * LINE_H;
  const pos = new Map();
  let height = 0;
  columns.forEach((col, c) => {
    let y = 10;
    for (const n of col) {
      pos.set(n.id, { x: 10 + c * (BOX_W + GAP_X), y, h: heightOf(n) });
      y += heightOf(n) + GAP_Y;
    }
    height = Math.max(height, y);
  });
  const width = 20 + columns.length * (BOX_W + GAP_X) - GAP_X;
  const svg = el('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'operator graph' });
  const defs = el('defs', {});
  const marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' });
  marker.append(el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#868e96' }));
  defs.append(marker);
  svg.append(defs);
  for (const n of nodes) {
    const to = pos.get(n.id);
    for (const input of n.inputs ?? []) {
      const from = pos.get(input.id);
      if (!from) continue;
      const x1 = from.x + BOX_W;
      const y1 = from.y + from.h / 2;
      const x2 = to.x;
      const y2 = to.y + to.h / 2;
      const mx = (x1 + x2) / 2;
      svg.append(el('path', { class: 'edge', d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 2},${y2}`, 'marker-end': 'url(#arrow)' }));
      svg.append(el('text', { class: 'edge-label', x: mx, y: (y1 + y2) / 2 - 4, 'text-anchor': 'middle' }, input.ship_strategy));
    }
  }
  for (const n of nodes) {
    const p = pos.get(n.id);
    const level = levels.get(n.id) ?? 'ok';
    const g = el('g', { class: `node bp-${level}`, 'data-vertex': n.id, transform: `translate(${p.x},${p.y})` });
    const title = el('title', {}, `${n.operator}\nparallelism ${n.parallelism}, max parallelism ${n.maxParallelism}\nback pressure: ${level}`);
    g.append(title, el('rect', { width: BOX_W, height: p.h, rx: 6 }));
    g.append(el('text', { class: 'detail', x: 10, y: 16 }, `Parallelism: ${n.parallelism}`));
    const ops = n.operators && n.operators.length > 0 ? n.operators : [{ name: n.operator }];
    ops.forEach((op, i) => {
      g.append(el('text', { class: 'name', x: 10, y: 34 + i * LINE_H }, `${i > 0 ? '→ ' : ''}${fit(op.name)}`));
    });
    svg.append(g);
  }
  container.replaceChildren(svg);
}
