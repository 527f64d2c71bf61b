"""The page's look: its CSS, and the script that links citation markers to their sources."""

CSS = """
.gradio-container { max-width: 1480px !important; }
#sources { max-height: 78vh; overflow-y: auto; }
.source { border-left: 4px solid #2563eb; padding: 8px 12px; margin: 0 0 10px 0;
  background: #f8fafc; border-radius: 4px; scroll-margin-top: 12px; }
.source.related { border-left-color: #9ca3af; background: #f9fafb; }
.source.flash { outline: 3px solid #f59e0b; }
.source .head { font-weight: 600; font-size: 0.95rem; margin-bottom: 2px; }
.source .badge { display: inline-block; font-size: 0.75rem; font-weight: 600; color: #6b7280;
  border: 1px solid #d1d5db; border-radius: 3px; padding: 0 4px; margin-left: 4px; }
.source .meta { color: #475569; font-size: 0.82rem; margin-bottom: 4px; }
.source .context { font-size: 0.9rem; line-height: 1.5; color: #334155; }
.source mark { background: #fde68a; color: #111827; padding: 0 1px; }
.sources-for { font-size: 0.85rem; color: #475569; margin-bottom: 8px; }
.notice { color: #92400e; font-weight: 600; }
.hint { color: #64748b; font-size: 0.9rem; }
@media (max-width: 640px) {
  .gradio-container { padding-left: 6px !important; padding-right: 6px !important; }
  #chat .message { font-size: 0.95rem; }
  #sources { max-height: none; }
}
a.cite { color: #1d4ed8 !important; font-weight: 600; text-decoration: none; cursor: pointer; }
a.cite:hover { text-decoration: underline; }
#chat button.example { border: 1px solid var(--border-color-primary); border-radius: 8px;
  background: var(--background-fill-secondary); padding: 10px 12px; text-align: left; }
#chat button.example:hover { border-color: #2563eb; }
@media (prefers-color-scheme: dark) {
  .source, .source.related { background: transparent; }
  .source .context, .source .meta, .sources-for { color: inherit; }
}
"""

# Citation markers stay plain "[n]" in each message (so the copy button copies clean text); this
# script turns them into links to the sources panel once rendered, and scrolls to the source.
HEAD = """
<script>
(() => {
  const MARK = /\\[(\\d+)\\]/g;
  const bots = () => document.querySelectorAll('#chat .message-row.bot-row, #chat [data-testid="bot"]');
  function linkMarkers() {
    const seen = new Set();
    let turn = -1;
    bots().forEach((bot) => {
      if ([...seen].some((s) => s.contains(bot) || bot.contains(s))) return;
      seen.add(bot);
      turn += 1;
      const walker = document.createTreeWalker(bot, NodeFilter.SHOW_TEXT);
      const nodes = [];
      while (walker.nextNode()) {
        const node = walker.currentNode;
        MARK.lastIndex = 0;
        if (MARK.test(node.nodeValue) && !node.parentElement.closest('a, code, pre, button')) nodes.push(node);
      }
      for (const node of nodes) {
        const text = node.nodeValue;
        const out = document.createDocumentFragment();
        let last = 0;
        text.replace(MARK, (marker, n, at) => {
          out.append(text.slice(last, at));
          const a = document.createElement('a');
          a.className = 'cite';
          a.href = `#src-${turn}-${n}`;
          a.textContent = marker;
          a.title = `Show source ${n}`;
          out.append(a);
          last = at + marker.length;
        });
        out.append(text.slice(last));
        node.replaceWith(out);
      }
    });
  }
  function reveal(id, tries) {
    const el = document.getElementById(id);
    if (!el) { if (tries > 0) setTimeout(() => reveal(id, tries - 1), 100); return; }
    el.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
    el.classList.add('flash');
    setTimeout(() => el.classList.remove('flash'), 1800);
  }
  document.addEventListener('click', (event) => {
    const a = event.target.closest && event.target.closest('a.cite, a[href^="#src-"]');
    if (!a) return;
    event.preventDefault();
    reveal(a.getAttribute('href').slice(1), 30);
  }, true);
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; linkMarkers(); });
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true });
})();
</script>
"""
