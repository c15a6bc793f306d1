// A poll's results as horizontal bars: one per option, its share of the
// voters as a percentage and the count. The audience page draws them inside
// the poll's option buttons; the speaker view draws them on their own.

/**
 * Whole percentages of `voters` for each count. When every voter chose one
 * option (the counts add up to the voters) they add up to 100 exactly
 * (largest remainder); on a multiple-choice poll each is its own share.
 */
export function percentages(counts, voters) {
  const total = voters > 0 ? voters : 0;
  if (!total) return counts.map(() => 0);
  const exact = counts.map((count) => (Math.max(0, count) * 100) / total);
  const sum = counts.reduce((a, b) => a + Math.max(0, b), 0);
  if (sum !== total) return exact.map((value) => Math.round(value));
  const floors = exact.map(Math.floor);
  let left = 100 - floors.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (left <= 0) break;
    floors[index] += 1;
    left -= 1;
  }
  return floors;
}

/**
 * The rows of a chart: per option its label, count, percentage and share
 * (0–1, the bar's length: of the voters, so bars compare across polls).
 * `voters` defaults to the sum of the counts.
 */
export function chartRows(options, counts, voters = null) {
  const safe = options.map((_, index) => {
    const count = Number(counts && counts[index]);
    return Number.isFinite(count) && count > 0 ? Math.floor(count) : 0;
  });
  const total = typeof voters === 'number' && voters >= 0 ? voters : safe.reduce((a, b) => a + b, 0);
  const percents = percentages(safe, total);
  return options.map((label, index) => ({
    index,
    label: String(label),
    count: safe[index],
    percent: percents[index],
    share: total ? Math.min(1, safe[index] / total) : 0,
  }));
}

/** "1 vote", "12 votes": what the figures say. */
export function votesLabel(count) {
  return `${count} ${count === 1 ? 'vote' : 'votes'}`;
}

/** "1 voter", "12 voters". */
export function votersLabel(count) {
  return `${count} ${count === 1 ? 'voter' : 'voters'}`;
}

/**
 * Fill `bar` (any element) with one row: a track whose fill is the share, and
 * the figures. Stable for tests: data-index, data-count, data-percent.
 */
export function renderBar(bar, row) {
  bar.classList.add('presenter-poll-bar');
  bar.dataset.index = String(row.index);
  bar.dataset.count = String(row.count);
  bar.dataset.percent = String(row.percent);
  bar.style.setProperty('--share', String(row.share));
  const track = document.createElement('span');
  track.className = 'presenter-poll-track';
  const fill = document.createElement('span');
  fill.className = 'presenter-poll-fill';
  track.append(fill);
  const figures = document.createElement('span');
  figures.className = 'presenter-poll-figures';
  figures.textContent = `${row.percent}% · ${row.count}`;
  figures.title = votesLabel(row.count);
  bar.replaceChildren(track, figures);
  return bar;
}

/**
 * A chart on its own in `container`: a label and a bar per option, then the
 * number of voters. `highlight` holds option indexes to mark (a voter's own).
 */
export function renderChart(container, options, counts, voters = null, highlight = []) {
  const rows = chartRows(options, counts, voters);
  const mine = new Set(highlight);
  const list = document.createElement('ol');
  list.className = 'presenter-poll-chart';
  for (const row of rows) {
    const item = document.createElement('li');
    item.className = 'presenter-poll-row';
    if (mine.has(row.index)) item.classList.add('chosen');
    const label = document.createElement('span');
    label.className = 'presenter-poll-label';
    label.textContent = row.label;
    item.append(label, renderBar(document.createElement('span'), row));
    list.append(item);
  }
  const total = document.createElement('p');
  total.className = 'presenter-poll-total';
  const count = typeof voters === 'number' ? voters : rows.reduce((a, r) => a + r.count, 0);
  total.textContent = votersLabel(count);
  container.replaceChildren(list, total);
  return list;
}
