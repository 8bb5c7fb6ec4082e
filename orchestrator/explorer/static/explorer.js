// The explorer page: polls /api/overview and redraws chains, the block timeline and messages in place (no
// reload). Every value is put in the page as text (el() below), never as HTML: error strings and names
// come from strangers' transactions.
"use strict";

const body = document.body;
const CHAINS = body.dataset.chains.split(",");
const INTERVAL = Number(body.dataset.intervalMs);
const STAGES = [["committed", "C"], ["proven", "P"], ["synchronized", "S"], ["executed", "E"]];
let primary = null;
let gasChart = null;
let updates = 0;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) node.append(c instanceof Node ? c : String(c ?? ""));
  return node;
}

const short = (h) => (h ? h.slice(0, 10) + "…" : "");
const when = (t) => (t ? new Date(t * 1000).toLocaleTimeString() : "");

function units(amount, decimals) {
  const s = String(amount).padStart(decimals + 1, "0");
  const whole = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals).replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : whole;
}

async function getJson(url) {
  const answer = await fetch(url, { cache: "no-store" });
  const data = await answer.json();
  if (!answer.ok) throw new Error(data.error || answer.statusText);
  return data;
}

function drawChains(chains) {
  const rows = chains.map((c) => {
    if (c.role === "primary") primary = c.name;
    const liquidity = Object.entries(c.liquidity).map(([sym, l]) => `${units(l.amount, l.decimals)} ${sym}`);
    const counter = (s) => el("td", { class: "num", dataset: { counter: s } }, c.counters[s] ?? "—");
    return el("tr", { dataset: { chain: c.name } },
      el("td", {}, c.name), el("td", {}, c.role), el("td", { class: "num" }, c.height),
      ["committed", "proven", "synchronized", "executed"].map(counter),
      el("td", { class: "num", dataset: { queue: "" } }, c.queued_requests),
      el("td", { class: c.exodus ? "exodus" : "", dataset: { exodus: String(c.exodus) } }, c.exodus ? "ACTIVE" : "no"),
      el("td", {}, liquidity.join(", ")));
  });
  document.querySelector("#chains tbody").replaceChildren(...rows);
}

function pill(stage, letter, entry) {
  const title = entry ? `${stage} at ${when(entry.at)} in L1 block ${entry.l1_block}, tx ${entry.tx}` : `not ${stage} yet`;
  return el("span", { class: entry ? "pill reached" : "pill", dataset: { stage }, title }, letter);
}

function drawTimeline(blocks) {
  const rows = blocks.map((b) => {
    const cells = CHAINS.map((name) => {
      const stages = b.chains[name];
      if (!stages) return el("td", { class: "muted", dataset: { chain: name, concerned: "false" }, title: `nothing of ${name}'s in this block` }, "·");
      const pills = STAGES.filter(([s]) => s !== "proven" || name === primary).map(([s, l]) => pill(s, l, stages[s]));
      if (stages.paid) {
        const p = stages.paid;
        const done = p.done === p.count;
        pills.push(el("span", { class: done ? "pill reached" : "pill", dataset: { stage: "paid" },
          title: `${p.done} of ${p.count} payouts done${p.tx ? ", tx " + p.tx : ""}` }, "$"));
      }
      return el("td", { dataset: { chain: name, concerned: "true" } }, pills);
    });
    const ops = b.ops.length ? b.ops.join(", ") : "";
    const transfers = b.transfers ? `${b.transfers} transfers` : "";
    return el("tr", { id: `block-${b.number}`, dataset: { block: b.number } },
      el("td", { class: "num" }, b.number), el("td", {}, [ops, transfers].filter(Boolean).join("; ")), cells);
  });
  document.querySelector("#timeline tbody").replaceChildren(...rows);
}

function drawMessages(messages) {
  const rows = messages.map((m) => {
    const r = m.relayer || {};
    return el("tr", { dataset: { source: m.source, nonce: m.nonce, delivered: String(Boolean(m.delivered)) } },
      el("td", {}, `${m.source} #${m.nonce} → ${m.destination}`), el("td", {}, m.kind),
      el("td", { class: "hash", title: m.sent.tx }, `${when(m.sent.at)} ${short(m.sent.tx)}`),
      el("td", { class: "hash", title: m.delivered ? m.delivered.tx : "" },
        m.delivered ? `${when(m.delivered.at)} ${short(m.delivered.tx)}` : "waiting"),
      el("td", {}, r.status || "not seen"), el("td", { class: "num" }, r.attempts ?? ""),
      el("td", { class: "error" }, r.last_error || ""));
  });
  document.querySelector("#messages tbody").replaceChildren(...rows);
}

function drawDaemons(daemons) {
  const badges = daemons.map((d) => el("span", { class: `daemon ${d.alive ? "up" : "down"}`, title: d.summary }, d.name));
  document.getElementById("daemons").replaceChildren(...badges);
}

async function poll() {
  try {
    const s = await getJson("/api/overview");
    if (!s.updated) {  // the explorer has not read the chains yet (it has just started)
      document.getElementById("updated").textContent = "reading the chains…";
      setTimeout(poll, INTERVAL);
      return;
    }
    drawChains(s.chains);
    drawTimeline(s.blocks);
    drawMessages(s.messages);
    drawDaemons(s.daemons || []);
    const error = document.getElementById("error");
    error.hidden = !s.error;
    error.textContent = s.error ? `the last refresh failed: ${s.error}` : "";
    updates += 1;
    const updated = document.getElementById("updated");
    updated.textContent = `updated ${when(s.updated)}`;
    updated.dataset.updates = String(updates);
  } catch (e) {
    document.getElementById("updated").textContent = `explorer unreachable: ${e.message}`;
  }
  if (body.dataset.mode === "validium") pollCommittee();
  setTimeout(poll, INTERVAL);
}

async function pollCommittee() {
  try {
    const c = await getJson("/api/committee");
    const rows = c.members.map((m) => el("tr", { dataset: { member: m.name } }, el("td", {}, m.name), el("td", {}, m.url),
      el("td", {}, m.health.error ? m.health.error : `${m.health.sections} sections, ${m.health.signatures} signatures`)));
    document.getElementById("committee").replaceChildren(
      el("p", {}, `${c.threshold} of ${c.members.length} must sign; the sequencer holds signatures for ${c.signed_blocks} blocks` +
        (c.last_signed_block ? ` (last: block ${c.last_signed_block})` : "")),
      el("table", {}, el("tr", {}, el("th", {}, "member"), el("th", {}, "url"), el("th", {}, "holds")), rows));
  } catch (e) {
    document.getElementById("committee").textContent = e.message;
  }
}

function table(headers, rows) {
  return el("table", {}, el("tr", {}, headers.map((h) => el("th", {}, h))), rows.map((r) => el("tr", {}, r.map((v) => el("td", {}, v)))));
}

function fields(obj) {
  return Object.entries(obj).filter(([k, v]) => k !== "type" && v !== undefined).map(([k, v]) => `${k} ${v}`).join(", ");
}

async function showBlock(number) {
  const section = document.getElementById("detail");
  section.hidden = false;
  document.getElementById("detail-number").textContent = number;
  const target = document.getElementById("detail-body");
  try {
    const b = await getJson(`/api/blocks/${number}`);
    const stageRows = [];
    for (const c of b.chains) {
      for (const s of c.stages) {
        const shared = s.blocks_in_tx.length > 1 ? ` (one tx for blocks ${s.blocks_in_tx.join(", ")})` : "";
        stageRows.push([c.name, s.stage, s.gas.toLocaleString() + shared, `${when(s.at)} L1 block ${s.l1_block}`, s.tx]);
      }
    }
    target.replaceChildren(
      el("p", {}, `built ${when(b.built_at)} in ${(b.build_seconds ?? 0).toFixed(2)} s; new state root ${b.new_root}`),
      el("h3", {}, "Operations"),
      table(["type", "fields"], b.ops.map((o) => [o.type, fields(o)])),
      el("h3", {}, `Transfers (${b.transfers.length})`),
      table(["hash", "fields"], b.transfers.map((t) => [short(t.hash), fields({ ...t, hash: undefined })])),
      el("h3", {}, "Data"),
      el("p", {}, `public data ${b.public_data_bytes} bytes; committed per chain: ` +
        b.chains.map((c) => `${c.name} ${c.data_bytes} bytes`).join(", ")),
      el("h3", {}, "Proof"),
      b.proof ? el("pre", {}, JSON.stringify(b.proof, null, 1)) : el("p", {}, "not proven yet"),
      el("h3", {}, "Stages, gas per chain"),
      table(["chain", "stage", "gas", "when", "tx"], stageRows));
    drawGas(b);
  } catch (e) {
    target.replaceChildren(el("p", { class: "error" }, e.message));
  }
}

function drawGas(b) {
  if (typeof Chart === "undefined") return;
  const stages = ["committed", "proven", "synchronized", "executed"];
  const datasets = stages.map((stage) => ({
    label: stage,
    data: b.chains.map((c) => (c.stages.find((s) => s.stage === stage) || { gas: 0 }).gas),
  }));
  if (gasChart) gasChart.destroy();
  gasChart = new Chart(document.getElementById("gas-chart"), {
    type: "bar",
    data: { labels: b.chains.map((c) => c.name), datasets },
    options: { animation: false, plugins: { title: { display: true, text: "gas of each stage's transaction, per chain" } },
      scales: { x: { stacked: true }, y: { stacked: true } } },
  });
}

async function searchAccount(event) {
  event.preventDefault();
  const q = document.getElementById("account-query").value;
  const target = document.getElementById("account-result");
  try {
    const r = await getJson(`/api/accounts?q=${encodeURIComponent(q)}`);
    target.replaceChildren(
      el("p", {}, [r.wallet ? `wallet ${r.wallet}` : "", r.address ? `address ${r.address}` : ""].filter(Boolean).join(", ")),
      table(["account", "token", "balance", "nonce", "pending balance", "pending nonce"],
        r.accounts.map((a) => [a.index, a.symbol, units(a.balance, a.decimals), a.nonce, units(a.pending_balance, a.decimals), a.pending_nonce])),
      el("h3", {}, "Pending balances on L1 (executed, not yet paid out)"),
      table(["chain", "token", "amount"], r.pending.map((p) => [p.chain, p.token, units(p.amount, p.decimals)])));
  } catch (e) {
    target.replaceChildren(el("p", { class: "error" }, e.message));
  }
}

document.querySelector("#timeline tbody").addEventListener("click", (e) => {
  const row = e.target.closest("tr[data-block]");
  if (row) showBlock(row.dataset.block);
});
document.getElementById("detail-close").addEventListener("click", () => { document.getElementById("detail").hidden = true; });
document.getElementById("account-form").addEventListener("submit", searchAccount);
poll();
