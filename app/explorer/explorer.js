// storygraph explorer: plain JavaScript over the JSON API under /v1 (no framework, no build, no CDN).
//
// Views live in the URL hash, so each has its own address and the back button works:
//   #/                                   home
//   #/entity/{id}                        an entity, its relations grouped by predicate, their quotes
//   #/neighborhood/{id}?depth=1|2|3      a picture of its neighbourhood (the server's SVG), panned and zoomed
//   #/article/{id}?start=&end=           the article, the span [start, end) highlighted (code points), and the
//                                        clauses no statement cites marked, with the figures per sentence
//   #/paths?from=&to=                    shortest connections between two entities
//   #/claims?status=                     the claims board
//   #/timeline                           events in date order
"use strict";

(() => {
  const API = "/v1";
  const view = document.getElementById("view");
  const TYPES = ["person", "organization", "government", "country", "city", "facility", "event", "claim",
    "substance", "topic", "disease", "document"];
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];
  const SEASONS = { 21: "spring", 22: "summer", 23: "autumn", 24: "winter" };
  const STATUS_TEXT = {
    disputed: "Disputed: asserted and denied", asserted: "Asserted", denied: "Denied",
    unattributed: "Unattributed",
  };
  let renderSeq = 0;
  let articleCache = null;

  // ---- DOM helpers (text always goes in as text, never as HTML) ----

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.className = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  // ---- the API ----

  class ApiError extends Error {
    constructor(problem, status) {
      super((problem && problem.detail) || `The server answered ${status}`);
      this.problem = problem || {};
      this.status = status;
    }
  }

  async function api(path, params) {
    const url = new URL(API + path, location.origin);
    for (const [k, v] of Object.entries(params || {})) {
      if (v !== null && v !== undefined && v !== "") url.searchParams.set(k, v);
    }
    const r = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await r.json().catch(() => null);
    if (!r.ok) throw new ApiError(body, r.status);
    return body;
  }

  async function article(id) {
    if (!articleCache) {
      const page = await api("/articles", { limit: 500 });
      articleCache = { list: page.items, texts: new Map() };
    }
    if (!id) id = articleCache.list.length ? articleCache.list[0].id : null;
    if (!id) return null;
    if (!articleCache.texts.has(id)) articleCache.texts.set(id, await api(`/articles/${encodeURIComponent(id)}`));
    return articleCache.texts.get(id);
  }

  // ---- routing ----

  function parseHash() {
    const raw = location.hash.replace(/^#\/?/, "");
    const [path, query] = raw.split("?");
    const parts = (path || "").split("/").filter(Boolean).map(decodeURIComponent);
    return { name: parts[0] || "home", args: parts.slice(1), params: new URLSearchParams(query || "") };
  }

  function link(hash, ...children) {
    return h("a", { href: hash }, ...children);
  }

  function entityHash(id) {
    return `#/entity/${encodeURIComponent(id)}`;
  }

  function quoteHash(ev) {
    return `#/article/${encodeURIComponent(ev.article_id)}?start=${ev.start}&end=${ev.end}`;
  }

  const ROUTES = {
    home: renderHome, entity: renderEntity, neighborhood: renderNeighborhood, article: renderArticle,
    paths: renderPaths, claims: renderClaims, timeline: renderTimeline,
  };

  async function route() {
    const r = parseHash();
    const render = ROUTES[r.name] || renderNotFound;
    const seq = ++renderSeq;
    for (const a of document.querySelectorAll(".nav a[data-nav]")) {
      if (a.dataset.nav === r.name) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    closeSuggestions(mainSearch);
    let content;
    try {
      content = await render(r);
    } catch (err) {
      content = errorBox(err);
    }
    if (seq !== renderSeq) return; // a newer navigation won
    clear(view).append(content);
    content.dispatchEvent(new CustomEvent("storygraph:shown"));
    const heading = view.querySelector("h1");
    if (heading) document.title = `${heading.textContent} · storygraph`;
    const target = view.querySelector("mark.highlight");
    if (target) target.scrollIntoView({ block: "center" });
    else window.scrollTo(0, 0);
    view.dataset.view = r.name;
    view.dataset.ready = String(seq);
  }

  function errorBox(err) {
    const p = err instanceof ApiError ? err.problem : {};
    const box = h("section", { class: "card error", role: "alert" },
      h("h1", {}, p.title || "Something went wrong"),
      h("p", {}, err.message || String(err)));
    if (Array.isArray(p.candidates) && p.candidates.length) {
      box.append(h("p", {}, "Did you mean:"),
        h("ul", { class: "chips" }, p.candidates.map((c) => h("li", {}, entityChip(c)))));
    }
    return box;
  }

  function renderNotFound() {
    return h("section", { class: "card" }, h("h1", {}, "No such view"),
      h("p", {}, "This address names no view. ", link("#/", "Go to the start page"), "."));
  }

  // ---- shared pieces ----

  function typeBadge(type) {
    return h("span", { class: `badge t-${TYPES.includes(type) ? type : "other"}` }, type);
  }

  function entityChip(ref) {
    return h("a", { class: `chip t-${ref.type}`, href: entityHash(ref.id), "data-entity": ref.id },
      h("span", { class: "dot", "aria-hidden": "true" }), ref.name);
  }

  function quoteLink(ev) {
    return h("a", {
      class: "quote", href: quoteHash(ev), "data-start": ev.start, "data-end": ev.end,
      title: "Show this quote in the article",
    }, ev.quote.replace(/\s+/g, " "));
  }

  function quotes(evidence, contexts) {
    if (!evidence || !evidence.length) return null;
    return h("ul", { class: "quotes" }, evidence.map((ev) => h("li", {},
      (contexts && snippet(ev, contexts.get(ev.article_id))) || quoteLink(ev))));
  }

  // The sentence(s) a quote sits in, the quote marked and linked to the article; null when unknown (page furniture).
  function snippet(ev, ctx) {
    if (!ctx) return null;
    const hit = ctx.sentences.filter((s) => s.start < ev.end && ev.start < s.end);
    if (!hit.length) return null;
    const from = Math.min(...hit.map((s) => s.start));
    const to = Math.max(...hit.map((s) => s.end));
    const words = (a, b) => ctx.points.slice(a, b).join("").replace(/\s+/g, " ");
    return h("p", { class: "snippet", "data-start": ev.start, "data-end": ev.end },
      words(from, ev.start),
      h("a", { class: "quote in-context", href: quoteHash(ev), "data-start": ev.start, "data-end": ev.end,
        title: "Show this quote in the article" }, h("mark", {}, words(ev.start, ev.end))),
      words(ev.end, to));
  }

  // Each article's text (as code points) and sentence bounds, for snippets; an article that fails is left out.
  const coverageCache = new Map();
  async function contextsFor(evidenceLists) {
    const ids = [...new Set(evidenceLists.flat().map((ev) => ev.article_id))];
    const out = new Map();
    await Promise.all(ids.map(async (id) => {
      try {
        if (!coverageCache.has(id)) coverageCache.set(id, api(`/articles/${encodeURIComponent(id)}/coverage`));
        const [a, cov] = await Promise.all([article(id), coverageCache.get(id)]);
        if (a) out.set(id, { points: Array.from(a.text), sentences: cov.sentences });
      } catch (err) {
        coverageCache.delete(id); // plain quotes this time; asked again next time
      }
    }));
    return out;
  }

  function modalityBadge(modality) {
    if (!modality || modality === "asserted") return null;
    return h("span", { class: `modality m-${modality}`, title: `Modality: ${modality}` }, modality);
  }

  function predicateLabel(p) {
    return p.replace(/_/g, " ");
  }

  function qualifierList(q, exclude) {
    if (!q) return null;
    const items = [];
    if (q.time) items.push(["when", `${formatEdtf(q.time.edtf)}${q.time.text ? ` (“${q.time.text}”)` : ""}`]);
    if (q.place && q.place.id !== exclude) items.push(["where", entityChip(q.place)]);
    if (q.role) items.push(["role", q.role]);
    if (q.source && q.source.id !== exclude) items.push(["according to", entityChip(q.source)]);
    if (!items.length) return null;
    return h("dl", { class: "qualifiers" }, items.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  }

  // ---- dates: EDTF shown with its precision, never a made-up day ----

  function formatPoint(s) {
    let text = s;
    let approximate = false;
    let uncertain = false;
    const mark = text.match(/[~?%]$/);
    if (mark) {
      approximate = mark[0] !== "?";
      uncertain = mark[0] !== "~";
      text = text.slice(0, -1);
    }
    const m = text.match(/^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/);
    if (!m) return s;
    const year = String(Number(m[1]));
    let out = year;
    if (m[2] && m[3]) out = `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${year}`;
    else if (m[2] && SEASONS[Number(m[2])]) out = `${SEASONS[Number(m[2])]} ${year}`;
    else if (m[2]) out = `${MONTHS[Number(m[2]) - 1]} ${year}`;
    if (approximate) out = `about ${out}`;
    if (uncertain) out = `${out} (uncertain)`;
    return out;
  }

  function isDay(s) {
    return /^-?\d{4}-\d{2}-\d{2}[~?%]?$/.test(s);
  }

  function formatEdtf(edtf) {
    if (!edtf) return "undated";
    if (!edtf.includes("/")) return formatPoint(edtf);
    const [a, b] = edtf.split("/");
    const open = (x) => x === ".." || x === "";
    if (open(a) && open(b)) return "at an unknown time";
    if (open(a)) return `${isDay(b) ? "on" : "in"} or before ${formatPoint(b)}`;
    if (open(b)) return `since ${formatPoint(a)}`;
    return `from ${formatPoint(a)} to ${formatPoint(b)}`;
  }

  // ---- search with suggestions (used by the header and the path finder) ----

  function attachSuggest(input, list, onPick) {
    const state = { input, list, items: [], active: -1, seq: 0, timer: null, onPick };
    const show = (items) => {
      state.items = items;
      state.active = items.length ? 0 : -1;
      clear(list);
      items.forEach((item, i) => {
        const li = h("li", {
          role: "option", id: `${list.id}-${i}`, class: "suggestion", "data-id": item.id,
          "aria-selected": i === state.active ? "true" : "false",
        }, h("span", { class: `dot t-${item.type}`, "aria-hidden": "true" }),
        h("span", { class: "s-name" }, item.name), h("span", { class: "s-type" }, item.type),
        item.matched ? h("span", { class: "s-alias" }, `“${item.matched}”`) : null);
        li.addEventListener("mousedown", (e) => { e.preventDefault(); pick(i); });
        list.append(li);
      });
      if (!items.length) list.append(h("li", { class: "suggestion empty", role: "option", "aria-disabled": "true" },
        "No entity matches"));
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      markActive();
    };
    const markActive = () => {
      [...list.querySelectorAll("li.suggestion[data-id]")].forEach((li, i) =>
        li.setAttribute("aria-selected", i === state.active ? "true" : "false"));
      if (state.active >= 0) input.setAttribute("aria-activedescendant", `${list.id}-${state.active}`);
      else input.removeAttribute("aria-activedescendant");
    };
    const pick = (i) => {
      const item = state.items[i];
      if (!item) return;
      closeSuggestions(state);
      onPick(item, state);
    };
    const lookup = async () => {
      const q = input.value.trim();
      const seq = ++state.seq;
      if (!q) { closeSuggestions(state); return; }
      let page;
      try {
        page = await api("/entities", { q, limit: 8 });
      } catch (err) {
        return; // shown again on the next keystroke
      }
      if (seq !== state.seq || document.activeElement !== input) return; // a newer keystroke won
      const qn = q.toLowerCase();
      show(page.items.map((e) => {
        const alias = (e.aliases || []).find((a) => a !== e.name && a.toLowerCase().includes(qn));
        const nameHit = e.name.toLowerCase().includes(qn);
        return { id: e.id, name: e.name, type: e.type, matched: !nameHit && alias ? alias : null };
      }));
    };
    input.addEventListener("input", () => {
      clearTimeout(state.timer);
      state.timer = setTimeout(lookup, 120);
    });
    input.addEventListener("keydown", (e) => {
      if (list.hidden) {
        if (e.key === "ArrowDown" && input.value.trim()) lookup();
        return;
      }
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const n = state.items.length;
        if (!n) return;
        state.active = (state.active + (e.key === "ArrowDown" ? 1 : -1) + n) % n;
        markActive();
      } else if (e.key === "Enter") {
        if (state.active >= 0) { e.preventDefault(); pick(state.active); }
      } else if (e.key === "Escape") {
        closeSuggestions(state);
      }
    });
    input.addEventListener("blur", () => setTimeout(() => closeSuggestions(state), 150));
    return state;
  }

  function closeSuggestions(state) {
    if (!state) return;
    state.seq++;
    clearTimeout(state.timer);
    state.list.hidden = true;
    state.input.setAttribute("aria-expanded", "false");
    state.input.removeAttribute("aria-activedescendant");
  }

  const mainSearch = attachSuggest(document.getElementById("q"), document.getElementById("q-list"),
    (item, state) => {
      state.input.value = "";
      location.hash = entityHash(item.id);
    });
  document.getElementById("search").addEventListener("submit", async (e) => {
    e.preventDefault();
    const q = mainSearch.input.value.trim();
    if (!q) return;
    try {
      const page = await api("/entities", { q, limit: 1 });
      if (page.items.length) {
        mainSearch.input.value = "";
        closeSuggestions(mainSearch);
        location.hash = entityHash(page.items[0].id);
      }
    } catch (err) {
      /* nothing to open */
    }
  });

  // ---- views ----

  async function renderHome() {
    const [a, entities, claims, events] = await Promise.all([
      article(null), api("/entities", { limit: 500 }), api("/claims", { limit: 1, status: "disputed" }),
      api("/events", { limit: 1, include_undated: "false" }),
    ]);
    const people = entities.items.filter((e) => ["person", "country", "organization", "government"].includes(e.type))
      .sort((x, y) => y.degree - x.degree || x.name.localeCompare(y.name)).slice(0, 10);
    const counts = {};
    for (const e of entities.items) counts[e.type] = (counts[e.type] || 0) + 1;
    return h("div", { class: "stack" },
      h("section", { class: "card hero" },
        h("p", { class: "eyebrow" }, a ? `${a.publisher} · ${formatPoint(a.published)} · ${a.dateline}` : "storygraph"),
        h("h1", {}, a ? a.title : "storygraph explorer"),
        h("p", { class: "lede" }, "Every entity, relation, claim and event in this graph cites the article's own words. ",
          "Search a name above, or start from one of the actors below."),
        h("ul", { class: "chips" }, people.map((e) => h("li", {}, entityChip(e)))),
        h("p", { class: "stats" }, `${entities.total} entities: `,
          TYPES.filter((t) => counts[t]).map((t, i) => [i ? " · " : "", `${counts[t]} ${t}`]))),
      h("div", { class: "grid3" },
        h("a", { class: "card tile", href: "#/paths?from=jen-daskal&to=xi-jinping" },
          h("h2", {}, "Path finder"), h("p", {}, "How is Jen Daskal connected to Xi Jinping? Every hop with its evidence.")),
        h("a", { class: "card tile", href: "#/claims" },
          h("h2", {}, "Claims board"), h("p", {}, `Who asserts and who denies what; ${claims.total} disputed.`)),
        h("a", { class: "card tile", href: "#/timeline" },
          h("h2", {}, "Timeline"), h("p", {}, `${events.total} dated events, with the precision the article gives.`))));
  }

  async function renderEntity(r) {
    const id = r.args[0];
    if (!id) return renderNotFound();
    const [e, rels] = await Promise.all([
      api(`/entities/${encodeURIComponent(id)}`),
      api(`/entities/${encodeURIComponent(id)}/relations`, { limit: 500 }),
    ]);
    const groups = new Map();
    for (const rel of rels.items) {
      const out = rel.subject.id === e.id;
      const key = `${rel.predicate}${out ? "" : " (in)"}`;
      if (!groups.has(key)) groups.set(key, { predicate: rel.predicate, out, items: [] });
      groups.get(key).items.push(rel);
    }
    const contexts = await contextsFor([e.evidence || [], ...rels.items.map((rel) => rel.evidence)]);
    const sorted = [...groups.values()].sort((x, y) => (y.out - x.out) || x.predicate.localeCompare(y.predicate));
    const titles = (e.attributes && e.attributes.titles) || [];
    const aliases = (e.aliases || []).filter((a) => a !== e.name);
    return h("div", { class: "stack entity-view", "data-entity": e.id },
      h("section", { class: "card" },
        h("div", { class: "title-row" }, h("h1", { tabindex: "-1" }, e.name), typeBadge(e.type)),
        titles.length ? h("p", { class: "titles" }, titles.join(" · ")) : null,
        e.description ? h("p", { class: "description" }, e.description) : null,
        aliases.length ? h("p", { class: "aliases" }, h("span", { class: "label" }, "Also called "),
          aliases.map((a, i) => [i ? ", " : "", h("q", {}, a)])) : null,
        e.date ? h("p", {}, h("span", { class: "label" }, "Date "), formatEdtf(e.date.edtf)) : null,
        h("p", { class: "actions" },
          h("a", { class: "button", href: `#/neighborhood/${encodeURIComponent(e.id)}?depth=1` }, "Neighbourhood picture"),
          h("a", { class: "button secondary", href: `#/paths?from=${encodeURIComponent(e.id)}` }, "Find paths from here"),
          e.type === "claim" ? h("a", { class: "button secondary", href: "#/claims" }, "Claims board") : null)),
      h("section", { class: "card" },
        h("h2", {}, `Relations `, h("span", { class: "count" }, String(rels.total))),
        sorted.length ? sorted.map((g) => h("section", {
          class: "group", "data-predicate": g.predicate, "data-direction": g.out ? "out" : "in",
        },
        h("h3", {}, g.out ? [h("span", { class: "muted" }, `${e.name} `), predicateLabel(g.predicate), " …"]
          : ["… ", predicateLabel(g.predicate), h("span", { class: "muted" }, ` ${e.name}`)]),
        h("ul", { class: "relations" }, g.items.map((rel) => {
          const other = g.out ? rel.object : rel.subject;
          return h("li", { class: "relation", "data-relation": rel.id },
            h("div", { class: "rel-head" }, entityChip(other), modalityBadge(rel.modality)),
            qualifierList(rel.qualifiers, e.id),
            quotes(rel.evidence, contexts));
        })))) : h("p", { class: "muted" }, "No relations.")),
      e.evidence && e.evidence.length ? h("section", { class: "card mentions" },
        h("h2", {}, "Mentions ", h("span", { class: "count" }, String(e.evidence.length))),
        quotes(e.evidence, contexts)) : null);
  }

  // ---- the neighbourhood picture: the server's SVG, panned and zoomed by changing its viewBox ----

  const MIN_LABEL_PX = 10; // labels drawn smaller wait for a zoom, a hover or a focus
  const ZOOM_STEP = 1.25;
  const MAX_ZOOM = 12;

  function panZoom(svg, frame, focusId) {
    const [x0, y0, w0, h0] = svg.getAttribute("viewBox").split(/[\s,]+/).map(Number);
    const fit = { x: x0, y: y0, w: w0, h: h0 };
    let vb = { ...fit };
    const fonts = { label: 12, edge: 10 };
    const nodeFont = svg.querySelector("g.nodes text.label");
    const edgeFont = svg.querySelector("text.edge-label");
    if (svg.getAttribute("font-size")) fonts.label = Number(svg.getAttribute("font-size"));
    if (edgeFont && edgeFont.getAttribute("font-size")) fonts.edge = Number(edgeFont.getAttribute("font-size"));
    if (nodeFont && nodeFont.getAttribute("font-size")) fonts.label = Number(nodeFont.getAttribute("font-size"));

    const scale = () => { const m = svg.getScreenCTM(); return m ? m.a : 1; };
    // Labels: never drawn under MIN_LABEL_PX on screen (a label too small at this zoom is drawn larger), and
    // never over one another: the entity the picture is about first, then the best connected (the biggest
    // circles), each shown only where it overlaps none shown before, as a map names its towns. Edge labels
    // follow, at their own size only, where they fit; the rest wait for a zoom, or for a hover or a focus.
    const nodeLabels = [...svg.querySelectorAll("g.node")].map((g) => {
      const text = g.querySelector("text.label");
      const circles = g.querySelectorAll("circle");
      const r = Number(circles[circles.length - 1].getAttribute("r"));
      return { g, text, r, y: Number(text.getAttribute("y")), focus: g.classList.contains("focus") };
    }).filter((l) => l.text).sort((a, b) => (b.focus - a.focus) || (b.r - a.r) ||
      a.g.dataset.id.localeCompare(b.g.dataset.id));
    const edgeLabels = [...svg.querySelectorAll("text.edge-label")];
    let laidAt = null;
    const layoutLabels = (s) => {
      if (laidAt === s) return;
      laidAt = s;
      const size = Math.max(fonts.label, MIN_LABEL_PX / s);
      const pad = 3 / s;
      const placed = [];
      const fits = (b) => !placed.some((p) => b.x - pad < p.x + p.width && p.x - pad < b.x + b.width &&
        b.y - pad < p.y + p.height && p.y - pad < b.y + b.height);
      for (const l of nodeLabels) {
        l.text.setAttribute("font-size", String(size));
        l.text.setAttribute("y", String(l.y + size - fonts.label));
      }
      for (const l of nodeLabels) {
        const b = l.text.getBBox();
        const ok = l.focus || fits(b);
        l.text.classList.toggle("crowded", !ok);
        if (ok) placed.push(b);
      }
      const edgeSize = Math.max(fonts.edge, MIN_LABEL_PX / s);
      for (const t of edgeLabels) {
        t.setAttribute("font-size", String(edgeSize));
        let ok = fonts.edge * s >= MIN_LABEL_PX;
        if (ok) {
          const b = t.getBBox();
          ok = fits(b);
          if (ok) placed.push(b);
        }
        t.classList.toggle("crowded", !ok);
      }
    };
    const apply = () => {
      if (!svg.isConnected) { observer.disconnect(); return; } // the view was left
      svg.setAttribute("viewBox", `${vb.x} ${vb.y} ${vb.w} ${vb.h}`);
      const s = scale();
      if (!(s > 0 && Number.isFinite(s))) return; // not laid out (hidden): next resize
      layoutLabels(s);
      frame.dataset.scale = s.toFixed(3);
      frame.dataset.zoom = (fit.w / vb.w).toFixed(3);
      // At the fitted size a vertical swipe scrolls the page; zoomed in, every swipe pans the picture.
      frame.classList.toggle("fitted", vb.w >= fit.w);
    };
    const observer = new ResizeObserver(() => apply());
    // The point of the picture under (clientX, clientY), in viewBox units.
    const at = (cx, cy) => {
      const m = svg.getScreenCTM();
      if (!m) return { x: vb.x + vb.w / 2, y: vb.y + vb.h / 2 };
      const p = new DOMPoint(cx, cy).matrixTransform(m.inverse());
      return { x: p.x, y: p.y };
    };
    const centre = () => { const r = svg.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; };
    const zoom = (factor, cx, cy) => {
      const z = fit.w / vb.w;
      const next = Math.min(MAX_ZOOM, Math.max(1, z * factor));
      if (next === z) return false;
      const [px, py] = cx === undefined ? centre() : [cx, cy];
      const p = at(px, py);
      const k = z / next;
      vb = { x: p.x - (p.x - vb.x) * k, y: p.y - (p.y - vb.y) * k, w: vb.w * k, h: vb.h * k };
      if (next === 1) vb = { ...fit };
      apply();
      return true;
    };
    const pan = (dx, dy) => { vb.x += dx; vb.y += dy; apply(); }; // in viewBox units
    const reset = () => { vb = { ...fit }; apply(); };

    // A node under the pointer or the keyboard focus names itself, its neighbours and its relations.
    const light = (id, on) => {
      for (const el of svg.querySelectorAll(`[data-source="${CSS.escape(id)}"], [data-target="${CSS.escape(id)}"]`)) {
        el.classList.toggle("lit", on);
        if (el.matches("g.edge")) {
          for (const end of [el.dataset.source, el.dataset.target]) {
            const n = svg.querySelector(`g.node[data-id="${CSS.escape(end)}"]`);
            if (n) n.classList.toggle("lit", on);
          }
        }
      }
      const self = svg.querySelector(`g.node[data-id="${CSS.escape(id)}"]`);
      if (self) self.classList.toggle("lit", on);
      frame.classList.toggle("lighting", on); // the other labels step back while one node speaks
    };
    for (const node of svg.querySelectorAll("g.node")) {
      const id = node.getAttribute("data-id");
      node.addEventListener("pointerenter", () => light(id, true));
      node.addEventListener("pointerleave", () => light(id, false));
      node.addEventListener("focus", () => {
        light(id, true);
        // Bring a node reached by Tab into view.
        const c = node.querySelector("circle:last-of-type");
        const x = Number(c.getAttribute("cx"));
        const y = Number(c.getAttribute("cy"));
        if (x < vb.x || x > vb.x + vb.w || y < vb.y || y > vb.y + vb.h) {
          vb.x = x - vb.w / 2;
          vb.y = y - vb.h / 2;
          apply();
        }
      });
      node.addEventListener("blur", () => light(id, false));
    }
    if (focusId) svg.querySelector(`g.node[data-id="${CSS.escape(focusId)}"]`)?.classList.add("focus");

    // The wheel zooms; past the fitted size or the deepest zoom it scrolls the page as usual.
    frame.addEventListener("wheel", (ev) => {
      const unit = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? 400 : 1;
      if (zoom(Math.pow(1.0015, -ev.deltaY * unit), ev.clientX, ev.clientY)) ev.preventDefault();
    }, { passive: false });

    // Drag to pan; a press that moves less than a few pixels stays a click (it opens the node under it).
    let drag = null;
    let dragged = false;
    frame.addEventListener("pointerdown", (ev) => {
      if (ev.button !== 0) return;
      drag = { id: ev.pointerId, x: ev.clientX, y: ev.clientY, vx: vb.x, vy: vb.y, moved: false };
      dragged = false;
    });
    frame.addEventListener("pointermove", (ev) => {
      if (!drag || ev.pointerId !== drag.id) return;
      const dx = ev.clientX - drag.x;
      const dy = ev.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) {
        drag.moved = true;
        frame.setPointerCapture(ev.pointerId);
        frame.classList.add("dragging");
      }
      const s = scale();
      vb.x = drag.vx - dx / s;
      vb.y = drag.vy - dy / s;
      apply();
    });
    const end = (ev) => {
      if (!drag || ev.pointerId !== drag.id) return;
      dragged = drag.moved;
      drag = null;
      frame.classList.remove("dragging");
    };
    frame.addEventListener("pointerup", end);
    frame.addEventListener("pointercancel", end);
    // A drag ends in a click on whatever is under the pointer: swallow it.
    frame.addEventListener("click", (ev) => { if (dragged) { ev.stopPropagation(); ev.preventDefault(); dragged = false; } }, true);

    frame.addEventListener("keydown", (ev) => {
      if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
      const step = 60 / scale();
      const keys = {
        "+": () => zoom(ZOOM_STEP), "=": () => zoom(ZOOM_STEP), "-": () => zoom(1 / ZOOM_STEP),
        "_": () => zoom(1 / ZOOM_STEP), "0": reset,
        ArrowLeft: () => pan(-step, 0), ArrowRight: () => pan(step, 0),
        ArrowUp: () => pan(0, -step), ArrowDown: () => pan(0, step),
      };
      const act = keys[ev.key];
      if (!act) return;
      ev.preventDefault();
      act();
    });
    const button = (label, act, key) => h("button", {
      type: "button", class: "button secondary", "aria-controls": frame.id, "aria-keyshortcuts": key,
      onclick: act,
    }, label);
    apply();
    observer.observe(frame);
    return {
      controls: h("div", { class: "zoom", role: "group", "aria-label": "Zoom" },
        button("Zoom in", () => zoom(ZOOM_STEP), "+"), button("Zoom out", () => zoom(1 / ZOOM_STEP), "-"),
        button("Fit", reset, "0")),
    };
  }

  async function renderNeighborhood(r) {
    const id = r.args[0];
    if (!id) return renderNotFound();
    const depth = ["2", "3"].includes(r.params.get("depth")) ? Number(r.params.get("depth")) : 1;
    const e = await api(`/entities/${encodeURIComponent(id)}`);
    const url = `${API}/entities/${encodeURIComponent(e.id)}/neighborhood.svg?depth=${depth}`;
    const res = await fetch(url, { headers: { Accept: "image/svg+xml" } });
    if (!res.ok) throw new ApiError(await res.json().catch(() => null), res.status);
    const doc = new DOMParser().parseFromString(await res.text(), "image/svg+xml");
    const svg = document.importNode(doc.documentElement, true);
    svg.setAttribute("width", "100%");
    svg.setAttribute("height", "100%");
    svg.classList.add("graph-svg");
    // A group of links, not an image: axe's "nested-interactive" forbids focusable parts in role=img.
    svg.setAttribute("role", "group");
    for (const node of svg.querySelectorAll("g.node")) {
      const target = node.getAttribute("data-id");
      node.setAttribute("tabindex", "0");
      node.setAttribute("role", "link");
      const title = node.querySelector("title");
      node.setAttribute("aria-label", `Open ${title ? title.textContent : target}`);
      const open = () => { location.hash = entityHash(target); };
      node.addEventListener("click", open);
      node.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); open(); } });
    }
    const help = h("p", { class: "muted", id: "picture-help" },
      "Drag or use the arrow keys to move; the wheel, + and − to zoom; 0 to fit. ",
      "Point at or Tab to a node to name its relations; click it or press Enter to open it.");
    const frame = h("div", {
      class: "picture", id: "picture", tabindex: "0", role: "group",
      "aria-label": `Picture of the entities around ${e.name}`, "aria-describedby": "picture-help",
    }, svg);
    const nodes = svg.querySelectorAll("g.node").length;
    const content = h("div", { class: "stack" },
      h("section", { class: "card" },
        h("div", { class: "title-row" }, h("h1", {}, `Around ${e.name}`), typeBadge(e.type)),
        h("p", { class: "muted" }, `${nodes} entities within ${depth} hop${depth > 1 ? "s" : ""}. `,
          "Arrows point from subject to object."),
        help,
        h("div", { class: "toolbar" },
          h("div", { class: "segmented", role: "group", "aria-label": "Depth" },
            [1, 2, 3].map((d) => h("a", {
              href: `#/neighborhood/${encodeURIComponent(e.id)}?depth=${d}`,
              "aria-current": d === depth ? "page" : null,
            }, `Depth ${d}`))),
          h("span", { class: "zoom-slot" }),
          h("a", { class: "button secondary", href: entityHash(e.id) }, "Back to entity"),
          h("a", { class: "button secondary", href: url, download: `${e.id}-depth-${depth}.svg` }, "Download SVG")),
        frame));
    // The viewBox maths needs the picture on the page: wire it up once route() has put it there.
    content.addEventListener("storygraph:shown", () => {
      const { controls } = panZoom(svg, frame, e.id);
      content.querySelector(".zoom-slot").replaceWith(controls);
    }, { once: true });
    return content;
  }

  // The code points [from, to) of the article as text, each uncovered clause in it marked (clauses never overlap).
  function withGaps(points, from, to, gaps) {
    const out = [];
    let at = from;
    for (const g of gaps) {
      const s = Math.max(g.start, from);
      const e = Math.min(g.end, to);
      if (s >= e) continue;
      if (s > at) out.push(points.slice(at, s).join(""));
      out.push(h("mark", { class: "gap", "data-start": g.start, "data-end": g.end, "data-sentence": g.sentence },
        points.slice(s, e).join("")));
      at = e;
    }
    if (at < to) out.push(points.slice(at, to).join(""));
    return out;
  }

  function coverageSummary(cov) {
    if (cov instanceof Error) {
      return h("p", { class: "notice coverage-missing" }, "Coverage is not available just now: ", cov.message);
    }
    const gaps = cov.clauses_total - cov.clauses_covered;
    return h("div", { class: "coverage-summary", "data-clauses-covered": cov.clauses_covered,
      "data-clauses-total": cov.clauses_total },
    h("p", {}, h("strong", {}, `${cov.clauses_covered} of ${cov.clauses_total} clauses`),
      " are cited by a statement (a relation, claim or event), in ",
      `${cov.sentences_cited} of ${cov.sentences_total} sentences. `,
      gaps ? `${gaps} clause${gaps === 1 ? "" : "s"} no statement cites.` : "No clause is left uncited.",
      " Naming something is not stating it: entity mentions do not count."),
    h("ul", { class: "legend", "aria-label": "Legend" },
      h("li", {}, h("span", { class: "swatch swatch-gap" }, "a clause no statement cites")),
      h("li", {}, h("span", { class: "swatch swatch-quote" }, "the quote you followed"))));
  }

  function coverageTable(a, cov) {
    if (cov instanceof Error) return null;
    const gapLink = (c) => link(`#/article/${encodeURIComponent(a.id)}?start=${c.start}&end=${c.end}`,
      `${c.start}–${c.end} `, h("q", {}, c.text.split(/\s+/).join(" ")));
    const rows = cov.sentences.map((s) => {
      const gaps = s.clauses.filter((c) => !c.statements.length);
      return h("tr", { class: gaps.length ? "has-gap" : null, "data-sentence": s.index },
        h("th", { scope: "row" }, `S${s.index}`),
        h("td", { class: "figure" }, `${s.clauses_covered}/${s.clauses_total}`),
        h("td", {}, gaps.length ? h("ul", { class: "gaps" }, gaps.map((c) => h("li", {}, gapLink(c)))) :
          h("span", { class: "muted" }, "every clause cited")));
    });
    return h("section", { class: "card coverage" },
      h("h2", {}, "Coverage by sentence"),
      h("p", { class: "muted" }, "Clauses are cut at the article's own punctuation and conjunctions; a clause is ",
        "cited when some statement's quote overlaps it. A sheet may give a reason for a gap (",
        h("code", {}, "# uncovered:"), "), which ", h("code", {}, "storygraph coverage"), " prints."),
      // Focusable: on a phone the table scrolls sideways, and a keyboard must be able to scroll it too.
      h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Coverage by sentence" },
        h("table", { class: "coverage-table" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Sentence"), h("th", { scope: "col" }, "Cited"),
          h("th", { scope: "col" }, "Clauses no statement cites"))),
        h("tbody", {}, rows))));
  }

  async function renderArticle(r) {
    const a = await article(r.args[0] || null);
    if (!a) return h("section", { class: "card" }, h("h1", {}, "No article"), h("p", {}, "The graph holds no article."));
    const cov = await api(`/articles/${encodeURIComponent(a.id)}/coverage`).catch((err) => err);
    const gaps = cov instanceof Error ? [] : cov.sentences.flatMap((s) =>
      s.clauses.filter((c) => !c.statements.length).map((c) => ({ start: c.start, end: c.end, sentence: s.index })));
    const start = Number.parseInt(r.params.get("start"), 10);
    const end = Number.parseInt(r.params.get("end"), 10);
    // Offsets count Unicode code points; JavaScript strings count UTF-16 units: split into code points first.
    const points = Array.from(a.text);
    const body = h("div", { class: "article-text", lang: a.language || "en" });
    let span = null;
    if (Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= points.length) {
      span = points.slice(start, end).join("");
      body.append(...withGaps(points, 0, start, gaps),
        h("mark", { class: "highlight", id: "highlight", "data-start": start, "data-end": end },
          withGaps(points, start, end, gaps)),
        ...withGaps(points, end, points.length, gaps));
    } else {
      body.append(...withGaps(points, 0, points.length, gaps));
    }
    const people = (label, names) => (names && names.length ? [h("dt", {}, label), h("dd", {}, names.join(", "))] : null);
    return h("div", { class: "stack" },
      h("section", { class: "card" },
        h("p", { class: "eyebrow" }, `${a.publisher} · ${formatPoint(a.published)} · ${a.dateline}`),
        h("h1", {}, a.title),
        h("dl", { class: "meta" }, people("By", a.authors), people("Edited by", a.editors),
          people("Photos", a.photographers)),
        coverageSummary(cov),
        span !== null ? h("p", { class: "notice" }, `Highlighted: characters ${start}–${end} (code points). `,
          h("button", { type: "button", class: "linkish", onclick: () => history.back() }, "← Back")) : null,
        body),
      coverageTable(a, cov));
  }

  function pathForm(from, to) {
    const make = (name, label, value) => {
      const id = `path-${name}`;
      const input = h("input", {
        id, name, type: "text", value: value || "", required: true, placeholder: "a name or alias",
        role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": `${id}-list`,
        spellcheck: "false", autocomplete: "off",
      });
      const list = h("ul", { id: `${id}-list`, class: "suggestions", role: "listbox", hidden: true });
      attachSuggest(input, list, (item) => { input.value = item.name; input.dataset.id = item.id; });
      input.addEventListener("input", () => { delete input.dataset.id; });
      return h("div", { class: "field" }, h("label", { for: id }, label), h("div", { class: "combo" }, input, list));
    };
    const form = h("form", { class: "path-form", id: "path-form" },
      make("from", "From", from), make("to", "To", to),
      h("button", { type: "submit", class: "button" }, "Find paths"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const value = (name) => {
        const input = form.elements[name];
        return input.dataset.id || input.value.trim();
      };
      location.hash = `#/paths?from=${encodeURIComponent(value("from"))}&to=${encodeURIComponent(value("to"))}`;
    });
    return form;
  }

  async function renderPaths(r) {
    const from = r.params.get("from") || "";
    const to = r.params.get("to") || "";
    const head = h("section", { class: "card" }, h("h1", {}, "Path finder"),
      h("p", { class: "muted" }, "The shortest connections between two entities, ignoring direction, each hop with its evidence."));
    if (!from || !to) {
      head.append(pathForm(from, to));
      return h("div", { class: "stack" }, head);
    }
    let result;
    let names = [from, to];
    try {
      const [found, a, b] = await Promise.all([api("/paths", { source: from, target: to, limit: 10 }),
        api(`/entities/${encodeURIComponent(from)}`), api(`/entities/${encodeURIComponent(to)}`)]);
      result = found;
      names = [a.name, b.name];
    } catch (err) {
      head.append(pathForm(from, to));
      return h("div", { class: "stack" }, head, errorBox(err));
    }
    head.append(pathForm(names[0], names[1]));
    const paths = result.paths;
    const shortest = paths.length ? paths[0].length : 0;
    // The shortest paths open, the longer ones folded to their one-line summary.
    const list = paths.length ? paths.map((p, i) => h("section", { class: "card path", "data-length": p.length },
      h("details", { open: p.length === shortest },
      h("summary", {}, h("span", { class: "path-title" }, `Path ${i + 1} `,
        h("span", { class: "count" }, `${p.length} hop${p.length > 1 ? "s" : ""}`)),
      h("span", { class: "path-summary" }, p.nodes.map((n) => n.name).join(" → "))),
      h("ol", { class: "chain" }, p.nodes.map((n, j) => [
        h("li", { class: "stop" }, entityChip(n)),
        j < p.relations.length ? h("li", { class: "hop" }, h("ul", {}, p.relations[j].map((rel) =>
          h("li", { class: "hop-rel", "data-relation": rel.id },
            h("p", { class: "hop-line" }, h("span", { class: "muted" }, rel.subject.name), " ",
              h("strong", {}, predicateLabel(rel.predicate)), " ",
              h("span", { class: "muted" }, rel.object.name), " ", modalityBadge(rel.modality)),
            quotes(rel.evidence))))) : null,
      ]))))) : [h("section", { class: "card" }, h("p", {}, `No path of at most 4 hops links ${names[0]} and ${names[1]}.`))];
    return h("div", { class: "stack" }, head, list);
  }

  async function renderClaims(r) {
    const status = r.params.get("status") || "";
    const page = await api("/claims", { limit: 500, status });
    const filters = ["", "disputed", "asserted", "denied", "unattributed"];
    return h("div", { class: "stack" },
      h("section", { class: "card" }, h("h1", {}, "Claims board"),
        h("p", { class: "muted" }, "Propositions the article reports, with who asserts and who denies them. ",
          "The article reports a dispute; it does not take a side."),
        h("div", { class: "segmented", role: "group", "aria-label": "Status" }, filters.map((f) => h("a", {
          href: f ? `#/claims?status=${f}` : "#/claims", "aria-current": f === status ? "page" : null,
        }, f || "all")))),
      page.items.length ? h("ul", { class: "claims" }, page.items.map((c) => h("li", {
        class: `card claim s-${c.status}`, "data-claim": c.id, "data-status": c.status,
      },
      h("div", { class: "claim-head" }, h("span", { class: `status s-${c.status}` }, STATUS_TEXT[c.status] || c.status)),
      h("p", { class: "claim-text" }, link(entityHash(c.id), c.text)),
      h("dl", { class: "sides" },
        h("dt", {}, "Asserted by"), h("dd", { class: "asserters" }, c.asserted_by.length
          ? c.asserted_by.map((x) => entityChip(x)) : h("span", { class: "muted" }, "no one named")),
        h("dt", {}, "Denied by"), h("dd", { class: "deniers" }, c.denied_by.length
          ? c.denied_by.map((x) => entityChip(x)) : h("span", { class: "muted" }, "no one")),
        c.about && c.about.length ? [h("dt", {}, "About"), h("dd", {}, c.about.map((x) => entityChip(x)))] : null),
      quotes(c.evidence),
      c.attributions && c.attributions.length ? h("div", { class: "said" },
        h("h2", { class: "said-title" }, "In their words"),
        h("ul", { class: "attributions" }, c.attributions.map((a) => h("li", {
          class: `attribution p-${a.predicate}`, "data-relation": a.id, "data-predicate": a.predicate,
        }, h("p", { class: "said-head" }, h("span", { class: "claimant" }, a.subject.name), " ",
          h("span", { class: "verb" }, predicateLabel(a.predicate)), " ", modalityBadge(a.modality)),
        quotes(a.evidence))))) : null))) : h("section", { class: "card" }, h("p", {}, "No claim has this status.")));
  }

  async function renderTimeline() {
    const page = await api("/events", { limit: 500, include_undated: "true" });
    const dated = page.items.filter((e) => e.date);
    const undated = page.items.filter((e) => !e.date);
    const item = (e) => h("li", { class: "event", "data-event": e.id },
      h("div", { class: "when" },
        h("span", { class: "date", "data-edtf": e.date || "" }, e.date ? formatEdtf(e.date) : "undated"),
        e.precision ? h("span", { class: "precision" }, e.precision) : null),
      h("div", { class: "what card" },
        h("h2", {}, link(entityHash(e.id), e.name), " ", modalityBadge(e.modality)),
        e.date_text ? h("p", { class: "words" }, "The article says ", h("q", {}, e.date_text), ".") : null,
        e.participants && e.participants.length ? h("p", { class: "who" }, h("span", { class: "label" }, "Who "),
          e.participants.map((p) => entityChip(p))) : null,
        e.place ? h("p", { class: "where" }, h("span", { class: "label" }, "Where "), entityChip(e.place)) : null,
        quotes(e.evidence)));
    return h("div", { class: "stack" },
      h("section", { class: "card" }, h("h1", {}, "Timeline"),
        h("p", { class: "muted" }, "Events in date order, dated only as precisely as the article dates them: ",
          "a month stays a month, a season a season.")),
      h("ol", { class: "timeline" }, dated.map(item)),
      undated.length ? h("section", { class: "stack" }, h("h2", { class: "section-title" }, "Not dated by the article"),
        h("ol", { class: "timeline undated" }, undated.map(item))) : null);
  }

  window.addEventListener("hashchange", route);
  route();
})();
