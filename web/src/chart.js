// The 0–10 scores across a patient's conversations as one inline SVG: one line per scale, a
// dashed mark at a goal's target. Lines differ by dash pattern and marker shape as well as by
// colour, so the chart reads in black and white too.
import { datum } from './dutch.js';

const NS = 'http://www.w3.org/2000/svg';
const KLEUREN = ['#1b4f8a', '#a4372a', '#2e6b30', '#6b3f8f', '#8a5a00', '#00606b', '#444444'];
const STREEPJES = ['', '6 3', '2 3', '8 3 2 3', '1 2', '10 4', '4 4'];

function svg(name, attributes = {}, text) {
  const el = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attributes)) {
    el.setAttribute(key, String(value));
  }
  if (text !== undefined) {
    el.textContent = text;
  }
  return el;
}

// scales: [{code, label, points: [{when, value}]}], targets: {code: value}; one x position per
// conversation (its time), not per day: two conversations on one day stay apart.
export function chart(scales, targets) {
  const dates = [...new Set(scales.flatMap((scale) => scale.points.map((point) => point.when)))].sort();
  // The drawing is as wide as the screen allows (up to 640): on a phone the SVG is not shrunk,
  // so its 12-px labels stay 12 px (they were ~5 px at 360 px).
  const width = Math.max(300, Math.min(640, (globalThis.innerWidth || 640) - 40));
  const height = 260;
  const pad = { left: 36, right: 16, top: 12, bottom: 36 };
  const x = (i) => pad.left + (dates.length === 1 ? (width - pad.left - pad.right) / 2 : (i * (width - pad.left - pad.right)) / (dates.length - 1));
  const y = (value) => pad.top + ((10 - value) * (height - pad.top - pad.bottom)) / 10;
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-labelledby': 'grafiek-titel',
    class: 'grafiek',
  });
  root.append(svg('title', { id: 'grafiek-titel' }, 'Scores van 0 tot 10 per gesprek, één lijn per schaal'));
  for (let value = 0; value <= 10; value += 2) {
    root.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value), class: 'raster' }));
    root.append(svg('text', { x: pad.left - 8, y: y(value) + 4, 'text-anchor': 'end', class: 'as' }, value));
  }
  dates.forEach((date, i) => {
    // The outer dates hang inwards, so that none is cut off at the edge.
    const anchor = dates.length === 1 ? 'middle' : i === 0 ? 'start' : i === dates.length - 1 ? 'end' : 'middle';
    root.append(svg('text', { x: x(i), y: height - 12, 'text-anchor': anchor, class: 'as' }, datum(date)));
  });
  // Goals of several scales may share a target: their labels are stacked, not drawn on top of
  // each other (above the line, or below it where the top of the chart leaves no room).
  const labelsAt = new Map();
  const labelY = (ty) => {
    const k = labelsAt.get(ty) || 0;
    labelsAt.set(ty, k + 1);
    const above = ty - 4 - k * 14;
    return above - 10 >= 0 ? above : ty + 14 + k * 14;
  };
  scales.forEach((scale, n) => {
    const colour = KLEUREN[n % KLEUREN.length];
    // Equal scores of different scales would hide each other: each scale sits a little apart.
    const shift = (n - (scales.length - 1) / 2) * 4;
    const points = scale.points.map((point) => [x(dates.indexOf(point.when)) + shift, y(point.value)]);
    const group = svg('g', { class: 'schaal', 'data-schaal': scale.code });
    group.append(svg('title', {}, scale.label));
    group.append(
      svg('polyline', {
        points: points.map((p) => p.join(',')).join(' '),
        fill: 'none',
        stroke: colour,
        'stroke-width': 2,
        'stroke-dasharray': STREEPJES[n % STREEPJES.length],
      }),
    );
    for (const [px, py] of points) {
      group.append(marker(n, px, py, colour));
    }
    if (targets[scale.code] !== undefined) {
      // A goal is a thin line of dots with its own label, unlike any scale's line.
      const ty = y(targets[scale.code]);
      group.append(
        svg('line', { x1: pad.left, x2: width - pad.right, y1: ty, y2: ty, stroke: colour, 'stroke-width': 1, 'stroke-dasharray': '1 4', class: 'doellijn' }),
        svg('text', { x: width - pad.right, y: labelY(ty), 'text-anchor': 'end', fill: colour, class: 'as doel-label' }, `doel ${scale.label.split(' (')[0].toLowerCase()}: ${targets[scale.code]}`),
      );
    }
    root.append(group);
  });
  return root;
}

// Marker shapes differ per scale as well: circle, square, diamond, triangle.
export function marker(n, px, py, colour) {
  const shape = n % 4;
  if (shape === 0) return svg('circle', { cx: px, cy: py, r: 4, fill: colour, class: 'punt' });
  if (shape === 1) return svg('rect', { x: px - 4, y: py - 4, width: 8, height: 8, fill: colour, class: 'punt' });
  const corners = shape === 2 ? [[0, -5], [5, 0], [0, 5], [-5, 0]] : [[0, -5], [5, 4], [-5, 4]];
  return svg('polygon', { points: corners.map(([dx, dy]) => `${px + dx},${py + dy}`).join(' '), fill: colour, class: 'punt' });
}

// The legend's sample of a scale: its colour, its dash and its marker, as in the chart.
export function swatch(n) {
  const colour = KLEUREN[n % KLEUREN.length];
  const root = svg('svg', { viewBox: '0 0 40 12', width: 40, height: 12, 'aria-hidden': 'true', class: 'staal' });
  root.append(svg('line', { x1: 0, x2: 40, y1: 6, y2: 6, stroke: colour, 'stroke-width': 2, 'stroke-dasharray': STREEPJES[n % STREEPJES.length] }), marker(n, 20, 6, colour));
  return root;
}

// The chart's data from the extracted bundles of a patient's conversations (oldest first): one
// score per extraction identity, as fhir_werk.followup.trend counts them.
export function trendOf(bundles) {
  const scores = new Map();
  const targets = {};
  for (const bundle of bundles) {
    for (const { resource } of bundle.entry || []) {
      const coding = (resource.code?.coding || []).find((c) => c.system?.endsWith('/CodeSystem/schaal'));
      if (resource.resourceType === 'Observation' && coding && Number.isInteger(resource.valueInteger)) {
        const identity = resource.identifier?.[0]?.value || `${coding.code}|${resource.effectiveDateTime}`;
        scores.set(identity, { code: coding.code, label: coding.display || coding.code, when: resource.effectiveDateTime, value: resource.valueInteger });
      }
      if (resource.resourceType === 'Goal') {
        for (const target of resource.target || []) {
          const measure = (target.measure?.coding || []).find((c) => c.system?.endsWith('/CodeSystem/schaal'));
          if (measure && Number.isInteger(target.detailInteger)) {
            targets[measure.code] = target.detailInteger;
          }
        }
      }
    }
  }
  const byScale = new Map();
  for (const score of scores.values()) {
    if (!byScale.has(score.code)) {
      byScale.set(score.code, { code: score.code, label: score.label, points: [] });
    }
    byScale.get(score.code).points.push(score);
  }
  for (const scale of byScale.values()) {
    scale.points.sort((a, b) => a.when.localeCompare(b.when));
  }
  return { scales: [...byScale.values()].sort((a, b) => a.label.localeCompare(b.label)), targets };
}
