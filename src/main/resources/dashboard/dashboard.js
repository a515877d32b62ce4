// LoadEDS dashboard: read-only, no framework. Renders the server's snapshots from /v1/events
// (server-sent events) and lists the registry events as they arrive.
"use strict";

let serverSkewMs = 0; // server clock minus browser clock, for lease countdowns
let lastSnapshot = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

function leaseText(ep) {
  if (!ep.leaseExpiresAt) return "no lease";
  const left = Math.round((Date.parse(ep.leaseExpiresAt) - (Date.now() + serverSkewMs)) / 1000);
  return left > 0 ? "lease " + left + "s" : "lease lapsed";
}

function renderEndpoint(cluster, ep) {
  const cap = ep.capacity == null ? null : ep.capacity;
  const pct = cap ? Math.min(100, Math.round((100 * ep.active) / cap)) : 0;
  const row = el("div", {
    class: "endpoint " + ep.state.toLowerCase(),
    "data-cluster": cluster, "data-id": ep.id, "data-active": ep.active,
  });
  const fill = el("div", { class: "fill", style: "width:" + pct + "%" });
  row.append(
    el("span", { class: "id" }, ep.id),
    el("span", { class: "addr" }, ep.address + ":" + ep.port),
    el("div", { class: "bar", title: ep.active + "/" + (cap == null ? "∞" : cap) }, fill),
    el("span", { class: "load" }, ep.active + "/" + (cap == null ? "∞" : cap) + " w" + ep.effectiveWeight),
    el("span", { class: "where" }, [ep.locality.region, ep.locality.zone].filter(Boolean).join("/") || "-"),
    el("span", { class: "badge" }, ep.state === "ADMITTED" ? "admitted" : ep.state.toLowerCase()),
  );
  row.append(el("span", { class: "lease" }, leaseText(ep)));
  return row;
}

function renderClusters(clusters) {
  const box = document.getElementById("clusters");
  box.replaceChildren();
  if (clusters.length === 0) {
    box.append(el("p", { class: "empty" }, "No clusters registered."));
    return;
  }
  for (const c of clusters) {
    const div = el("div", { class: "cluster", "data-cluster": c.name }, el("h3", {}, c.name));
    for (const ep of c.endpoints) div.append(renderEndpoint(c.name, ep));
    box.append(div);
  }
}

function renderClients(streams) {
  const body = document.querySelector("#clients tbody");
  body.replaceChildren();
  for (const s of streams) {
    const types = Object.entries(s.types);
    if (types.length === 0) types.push(["-", {}]);
    for (const [url, t] of types) {
      const short = url.split(".").pop();
      body.append(el("tr", {},
        el("td", {}, String(s.streamId)), el("td", {}, s.nodeId || "-"),
        el("td", {}, s.userAgent || "-"), el("td", {}, s.mode), el("td", {}, short),
        el("td", {}, t.wildcard ? "*" : (t.subscribed || []).join(", ")),
        el("td", {}, (t.lastSentVersion || "-") + " #" + (t.lastSentNonce || "-")),
        el("td", {}, t.lastAckedVersion || "-"),
        el("td", { title: t.lastNackError || "" }, String(t.nackCount || 0))));
    }
  }
}

function renderChart(perMinute) {
  const svg = document.getElementById("chart");
  const w = 480, h = 120, pad = 20;
  const max = Math.max(1, ...perMinute);
  const bw = (w - pad) / perMinute.length;
  const ns = "http://www.w3.org/2000/svg";
  svg.replaceChildren();
  perMinute.forEach((n, i) => {
    const bh = ((h - pad) * n) / max;
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("x", pad + i * bw + 1);
    r.setAttribute("y", h - pad - bh);
    r.setAttribute("width", bw - 2);
    r.setAttribute("height", bh);
    r.setAttribute("fill", "#3e7bbd");
    const title = document.createElementNS(ns, "title");
    title.textContent = n + " change(s), " + (perMinute.length - 1 - i) + " min ago";
    r.append(title);
    svg.append(r);
  });
  const label = document.createElementNS(ns, "text");
  label.setAttribute("x", 0);
  label.setAttribute("y", 12);
  label.setAttribute("font-size", "10");
  label.textContent = String(max);
  svg.append(label);
}

function render(snapshot) {
  lastSnapshot = snapshot;
  serverSkewMs = Date.parse(snapshot.now) - Date.now();
  renderClusters(snapshot.clusters);
  renderClients(snapshot.xds);
  renderChart(snapshot.admissionChangesPerMinute);
}

function connect() {
  const status = document.getElementById("status");
  const source = new EventSource("/v1/events");
  source.onopen = () => { status.textContent = "live"; };
  source.onerror = () => { status.textContent = "reconnecting…"; };
  source.addEventListener("snapshot", (e) => render(JSON.parse(e.data)));
  source.addEventListener("registry", (e) => {
    const ev = JSON.parse(e.data);
    const list = document.getElementById("events");
    list.prepend(el("li", {}, ev.time + " " + ev.kind + " " + ev.cluster + "/" + ev.id + " " + ev.reason));
    while (list.children.length > 50) list.lastChild.remove();
  });
}

// Lease countdowns tick between snapshots.
setInterval(() => { if (lastSnapshot) renderClusters(lastSnapshot.clusters); }, 1000);
connect();
