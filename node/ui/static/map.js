"use strict";
// overlayd's live map. Everything it shows comes from this agent's HTTP
// API, same origin, read-only:
//   /v1/agent/self              this agent's name, datacenter, coordinate
//   /v1/agent/members           every member and its status
//   /v1/coordinate/datacenters  every live member's Vivaldi coordinate
//   /v1/catalog/datacenters, /v1/catalog/services?dc=   the services
//   /v1/health/service/NAME?dc= the chosen service's instances, per dc
//   /v1/nearest/NAME?n=3        the nearest passing instances
//
// Refresh: a timed poll, every POLL_MS after the previous refresh ends
// (so slow answers never pile up), skipped while the tab is hidden. A
// blocking query would not save anything here: coordinates move all the
// time in a live cluster, so it would return on nearly every change
// anyway, and the poll bounds the page's load on the agent whatever the
// churn.

const POLL_MS = 2000;
const NEAREST = 3;
const TABLE_ROWS = 50;
const W = 800, H = 600, MARGIN = 40;
const PALETTE = ["#1e88e5", "#43a047", "#8e24aa", "#f4511e", "#00acc1", "#c0ca33", "#6d4c41", "#d81b60"];

const $ = (id) => document.getElementById(id);
const selector = $("service");
// The SVG namespace, taken from the page's own <svg> element.
const SVG = $("map").namespaceURI;
const HEALTH_ORDER = { passing: 0, warning: 1, critical: 2 };
let busy = false;

async function getJSON(path) {
  const resp = await fetch(path, { cache: "no-store" });
  if (!resp.ok) {
    throw new Error(path + ": " + resp.status + " " + (await resp.text()));
  }
  return resp.json();
}

// rtt estimates the round trip between two coordinates in seconds, as
// package vivaldi does: the Euclidean distance plus both heights, plus both
// adjustments unless that brings it to zero or below.
function rtt(a, b) {
  let sum = 0;
  for (let i = 0; i < Math.max(a.Vec.length, b.Vec.length); i++) {
    const d = (a.Vec[i] || 0) - (b.Vec[i] || 0);
    sum += d * d;
  }
  const dist = Math.sqrt(sum) + a.Height + b.Height;
  const adjusted = dist + a.Adjustment + b.Adjustment;
  return adjusted > 0 ? adjusted : dist;
}

// project maps coordinate vectors to 2-D points: their first two principal
// components. Why PCA rather than a classical MDS of the estimated RTTs:
// Vivaldi's vectors already live in a Euclidean space, so PCA is the
// best 2-D linear view of them, and costs O(n·d²) for n members in d
// dimensions (d is 8), where MDS needs the n×n matrix of estimates, too
// much at thousands of members. What PCA leaves out is each member's
// height (its access link), which adds the same to every distance from
// it; the round trips listed beside the map include it. The axes come from
// power iteration on the d×d covariance matrix, from a fixed start and with
// a fixed sign, so the picture does not flip between refreshes.
function project(vecs) {
  const n = vecs.length;
  if (n === 0) return [];
  const d = Math.max(...vecs.map((v) => v.length));
  const mean = new Array(d).fill(0);
  for (const v of vecs) for (let i = 0; i < d; i++) mean[i] += (v[i] || 0) / n;
  const xs = vecs.map((v) => mean.map((m, i) => (v[i] || 0) - m));
  const cov = mean.map(() => new Array(d).fill(0));
  for (const x of xs) {
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i][j] += (x[i] * x[j]) / n;
  }
  const axes = [];
  for (let k = 0; k < 2; k++) {
    let v = mean.map((_, i) => i + 1);
    for (let iter = 0; iter < 300; iter++) {
      let w = cov.map((row) => row.reduce((s, c, j) => s + c * v[j], 0));
      for (const a of axes) {
        const dot = w.reduce((s, c, j) => s + c * a[j], 0);
        w = w.map((c, j) => c - dot * a[j]);
      }
      const norm = Math.hypot(...w);
      if (norm < 1e-15) { v = v.map(() => 0); break; }
      v = w.map((c) => c / norm);
    }
    const big = v.reduce((best, c) => (Math.abs(c) > Math.abs(best) ? c : best), 0);
    axes.push(big < 0 ? v.map((c) => -c) : v);
  }
  return xs.map((x) => axes.map((a) => x.reduce((s, c, j) => s + c * a[j], 0)));
}

// html and svg make an element with the given attributes and text.
function html(name, attrs, text) { return decorate(document.createElement(name), attrs, text); }
function svg(name, attrs, text) { return decorate(document.createElementNS(SVG, name), attrs, text); }
function decorate(e, attrs, text) {
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function ms(seconds) {
  return (seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1) + " ms";
}

async function refresh() {
  const [self, members, coordDCs, dcs] = await Promise.all([
    getJSON("/v1/agent/self"), getJSON("/v1/agent/members"),
    getJSON("/v1/coordinate/datacenters"), getJSON("/v1/catalog/datacenters"),
  ]);
  const perDC = await Promise.all(dcs.map((dc) => getJSON("/v1/catalog/services?dc=" + encodeURIComponent(dc))));
  const services = [...new Set(perDC.flatMap((s) => Object.keys(s)))].sort();
  fillSelector(services);
  const service = selector.value;
  let instances = [], nearest = null;
  if (service) {
    const health = await Promise.all(dcs.map((dc) =>
      getJSON("/v1/health/service/" + encodeURIComponent(service) + "?dc=" + encodeURIComponent(dc))));
    instances = health.flat();
    nearest = await getJSON("/v1/nearest/" + encodeURIComponent(service) + "?n=" + NEAREST);
  }
  const coords = new Map();
  for (const dc of coordDCs) for (const c of dc.Coordinates) coords.set(c.Node, c.Coord);
  render({ self, members, coords, dcs, instances, nearest, service });
}

function fillSelector(services) {
  const wanted = selector.value || new URLSearchParams(location.search).get("service") || "";
  selector.replaceChildren(...services.map((s) => html("option", { value: s }, s)));
  if (services.includes(wanted)) selector.value = wanted;
}

function render({ self, members, coords, dcs, instances, nearest, service }) {
  const selfName = self.Config.NodeName;
  const selfCoord = self.Coord;
  $("agent").textContent = selfName;
  $("agent-dc").textContent = self.Config.Datacenter;
  $("member-count").textContent = String(members.length);
  const colour = new Map(dcs.map((dc, i) => [dc, PALETTE[i % PALETTE.length]]));
  const dcOf = (m) => m.Tags.dc || "";

  // Members with a coordinate go on the map, in name order so that the
  // projection does not depend on the order of the API's answer.
  const placed = members.filter((m) => coords.has(m.Name)).sort((a, b) => (a.Name < b.Name ? -1 : 1));
  const points = project(placed.map((m) => coords.get(m.Name).Vec));
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const minX = Math.min(...xs), maxX = Math.max(...xs), minY = Math.min(...ys), maxY = Math.max(...ys);
  const scale = Math.min((W - 2 * MARGIN) / (maxX - minX || 1), (H - 2 * MARGIN) / (maxY - minY || 1));
  const pos = new Map(placed.map((m, i) => [m.Name, [
    W / 2 + (points[i][0] - (minX + maxX) / 2) * scale,
    H / 2 - (points[i][1] - (minY + maxY) / 2) * scale,
  ]]));

  const layers = { members: svg("g"), marks: svg("g"), labels: svg("g") };
  for (const m of placed) {
    const [x, y] = pos.get(m.Name);
    const status = m.Tags.status || "alive";
    const c = svg("circle", {
      class: "member " + status + (m.Name === selfName ? " self" : ""), cx: x.toFixed(1), cy: y.toFixed(1),
      r: m.Name === selfName ? 8 : 6, fill: colour.get(dcOf(m)) || "#90a4ae",
      "data-name": m.Name, "data-dc": dcOf(m), "data-status": status,
    });
    const est = selfCoord && m.Name !== selfName ? " — " + ms(rtt(selfCoord, coords.get(m.Name))) + " from " + selfName : "";
    c.appendChild(svg("title", {}, m.Name + " (" + dcOf(m) + ", " + status + ")" + est));
    layers.members.appendChild(c);
  }
  // Names, where they do not cover one another: this agent's first, then
  // the nearest instances', the other instances', and the rest; a name
  // too close to one already written is left to the tooltip.
  const first = [selfName, ...(nearest ? nearest.Instances.map((i) => i.Node) : []), ...instances.map((i) => i.Node.Node)];
  const labelled = [];
  for (const name of [...new Set([...first, ...placed.map((m) => m.Name)])]) {
    const p = pos.get(name);
    if (!p || labelled.some((q) => Math.abs(q[0] - p[0]) < 40 && Math.abs(q[1] - p[1]) < 12)) continue;
    labelled.push(p);
    const label = name === selfName ? name + " (you)" : name;
    layers.labels.appendChild(svg("text", { class: name === selfName ? "self-label" : "label", x: (p[0] + 10).toFixed(1), y: (p[1] + 4).toFixed(1) }, label));
  }
  for (const inst of instances) {
    const p = pos.get(inst.Node.Node);
    if (!p) continue;
    const worst = inst.Checks.map((c) => c.Status)
      .reduce((w, h) => ((HEALTH_ORDER[h] ?? 2) > HEALTH_ORDER[w] ? h : w), "passing");
    layers.marks.appendChild(svg("circle", {
      class: "instance " + worst, cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: 11,
      "data-node": inst.Node.Node, "data-service-id": inst.Service.ID,
    }));
  }
  const selfPos = pos.get(selfName);
  (nearest ? nearest.Instances : []).forEach((inst, i) => {
    const p = pos.get(inst.Node);
    if (!p) return;
    if (i === 0 && selfPos) {
      layers.marks.appendChild(svg("line", { class: "nearest", x1: selfPos[0], y1: selfPos[1], x2: p[0], y2: p[1] }));
    }
    layers.marks.appendChild(svg("circle", { class: "nearest", cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: 15, "data-rank": i + 1, "data-node": inst.Node }));
    layers.marks.appendChild(svg("text", { class: "rank", x: (p[0] - 4).toFixed(1), y: (p[1] - 18).toFixed(1) }, String(i + 1)));
  });
  $("map").replaceChildren(layers.members, layers.marks, layers.labels, scaleBar(scale));

  renderNearest(service, nearest);
  renderLegend(dcs, colour);
  renderTable(members, coords, selfCoord, selfName);
  const missing = members.length - placed.length;
  $("projection-note").textContent = "Positions: the first two principal components of the members' Vivaldi vectors, " +
    "equal scale on both axes; heights are left out." + (missing ? " " + missing + " member(s) without a coordinate (left, or not yet known) are not drawn." : "");
}

// scaleBar draws a bar of a round number of milliseconds, about a fifth
// of the map wide.
function scaleBar(scale) {
  const target = (W / 5) / scale * 1000; // ms
  const pow = Math.pow(10, Math.floor(Math.log10(target || 1)));
  const len = [1, 2, 5, 10].map((k) => k * pow).filter((v) => v <= target).pop() || pow;
  const px = len / 1000 * scale;
  const g = svg("g", { class: "scale" });
  g.appendChild(svg("line", { x1: MARGIN, y1: H - 15, x2: MARGIN + px, y2: H - 15 }));
  g.appendChild(svg("text", { x: MARGIN, y: H - 20 }, len + " ms"));
  return g;
}

function renderNearest(service, nearest) {
  $("nearest-service").textContent = service || "(no service)";
  const list = $("nearest");
  const items = (nearest ? nearest.Instances : []).map((inst) => html("li", { "data-node": inst.Node },
    inst.Node + " (" + inst.Datacenter + ") " + inst.ServiceID + " — " +
    (inst.RTTKnown ? ms(inst.EstimatedRTTSeconds) : "RTT unknown")));
  list.replaceChildren(...items);
  const note = $("failover");
  note.hidden = !(nearest && nearest.FailedOver);
  if (nearest && nearest.FailedOver) {
    note.textContent = "None passing in " + nearest.RequestedDatacenter + "; failed over to " + nearest.Datacenter + ".";
  }
}

function renderLegend(dcs, colour) {
  $("legend-dc").replaceChildren(...dcs.map((dc) => {
    const li = html("li");
    const key = svg("svg", { class: "key", viewBox: "0 0 20 20" });
    key.appendChild(svg("circle", { cx: 10, cy: 10, r: 6, fill: colour.get(dc) }));
    li.append(key, dc);
    return li;
  }));
}

function renderTable(members, coords, selfCoord, selfName) {
  const estimate = (m) => (m.Name === selfName ? 0 : selfCoord && coords.has(m.Name) ? rtt(selfCoord, coords.get(m.Name)) : Infinity);
  const rows = members.map((m) => ({ m, est: estimate(m) }))
    .sort((a, b) => a.est - b.est || (a.m.Name < b.m.Name ? -1 : 1));
  $("members").replaceChildren(...rows.slice(0, TABLE_ROWS).map(({ m, est }) => {
    const tr = html("tr", { "data-name": m.Name });
    const shown = m.Name === selfName ? "this agent" : est === Infinity ? "—" : ms(est);
    tr.append(html("td", {}, m.Name), html("td", {}, m.Tags.dc || ""), html("td", {}, m.Tags.status || ""),
      html("td", { class: "rtt" }, shown));
    return tr;
  }));
  $("members-more").textContent = rows.length > TABLE_ROWS ? "and " + (rows.length - TABLE_ROWS) + " more" : "";
}

// update refreshes the page once; a call while one runs is dropped (the
// next poll catches up).
async function update() {
  if (busy) return;
  busy = true;
  try {
    await refresh();
    $("status").textContent = "updated " + new Date().toLocaleTimeString();
    $("status").classList.remove("error");
  } catch (e) {
    $("status").textContent = "error: " + e.message;
    $("status").classList.add("error");
  } finally {
    busy = false;
  }
}

async function poll() {
  if (!document.hidden) await update();
  setTimeout(poll, POLL_MS);
}

selector.addEventListener("change", () => {
  const url = new URL(location.href);
  url.searchParams.set("service", selector.value);
  history.replaceState(null, "", url);
  update();
});
poll();
