// The dashboard at / (io.contactsbridge.dashboard): reads the admin API (/api/status, /api/reports,
// /api/dead-letters, /api/connections) with the page's session, draws the charts with uPlot and fills the tables;
// its buttons and the "Add a pair" form call the same API. Plain browser JavaScript, no build step. Text from the API
// goes in with textContent only (el), never as HTML.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('dashboard-config').textContent);
  var COLORS = ['#2463eb', '#1a7f37', '#b42318', '#9a6700', '#8250df', '#0e7490', '#c2410c', '#4b5563'];
  var TO_BIRDSEND = 'highlevel-to-birdsend';
  var TO_HIGHLEVEL = 'birdsend-to-highlevel';
  var WRITES = ['sync.created', 'sync.updated', 'sync.deleted'];
  var range = 'hour'; // the charts' buckets: 'hour' (24 hours) or 'day' (30 days)
  var reports = {};   // the last report per range
  var charts = {};    // uPlot instances by container id
  var replays = {};   // dead-letter id -> outcome of a replay sent from this page

  function $(id) { return document.getElementById(id); }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }

  function row(cells) {
    var tr = document.createElement('tr');
    cells.forEach(function (c) { tr.appendChild(c instanceof Node ? c : el('td', c)); });
    return tr;
  }

  function fill(tbody, rows, emptyText, columns) {
    tbody.replaceChildren();
    if (!rows.length) {
      var td = el('td', emptyText, 'empty');
      td.colSpan = columns;
      tbody.appendChild(row([td]));
    }
    rows.forEach(function (r) { tbody.appendChild(r); });
  }

  function fact(dl, name, value) {
    dl.appendChild(el('dt', name));
    dl.appendChild(el('dd', value === null || value === undefined || value === '' ? '-' : value));
  }

  function num(n) { return n === null || n === undefined ? '-' : Number(n).toLocaleString('en'); }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) { return '-'; }
    var s = Math.max(0, Math.round(seconds));
    if (s < 60) { return s + ' s'; }
    if (s < 3600) { return Math.floor(s / 60) + ' min ' + (s % 60) + ' s'; }
    if (s < 86400) { return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min'; }
    return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
  }

  function period(s) {
    if (s < 1) { return Math.round(s * 1000) + ' ms'; }
    if (s < 60 || s % 60) { return s + ' s'; }
    if (s < 3600 || s % 3600) { return s / 60 + ' min'; }
    return s % 86400 ? s / 3600 + ' h' : s / 86400 + ' d';
  }

  function utc(iso, day) {
    if (!iso) { return '-'; }
    var d = new Date(iso);
    return d.toISOString().substring(0, day ? 10 : 16).replace('T', ' ') + (day ? '' : ' UTC');
  }

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)XSRF-TOKEN=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : '';
  }

  function problem(text) {
    var p = $('problem');
    p.hidden = !text;
    p.textContent = text || '';
  }

  function getJson(url) {
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(function (r) {
      if (r.status === 401) { throw new Error('The session has ended: reload the page to log in again.'); }
      if (!r.ok) { throw new Error(url + ' answered ' + r.status); }
      return r.json();
    });
  }

  /**
   * Sends a change to the admin API with the session's CSRF token: resolves with the JSON answer, or rejects with
   * the API's own message for a person ({"error", "message"}), never the raw body.
   */
  function send(method, url, body) {
    var headers = { 'X-XSRF-TOKEN': csrfToken(), Accept: 'application/json' };
    if (body !== undefined) { headers['Content-Type'] = 'application/json'; }
    return fetch(url, {
      method: method, credentials: 'same-origin', headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      if (r.status === 401) { throw new Error('The session has ended: reload the page to log in again.'); }
      return r.json().catch(function () { return null; }).then(function (answer) {
        if (r.ok) { return answer || {}; }
        // Spring Security's 403 (a stale CSRF token) has no message of the API's.
        throw new Error(answer && answer.message ? answer.message : r.status === 403
          ? 'The bridge refused the request (HTTP 403): reload the page and try again.'
          : 'The bridge answered HTTP ' + r.status + '.');
      });
    });
  }

  // ---- reports ---------------------------------------------------------------------------------------------------

  function seconds(bucket) { return (typeof bucket === 'number' ? bucket : Date.parse(bucket)) / 1000; }

  function zeros(n) { var a = []; for (var i = 0; i < n; i++) { a.push(0); } return a; }

  function addInto(sum, counts) { counts.forEach(function (c, i) { sum[i] += c; }); }

  function total(a) { return a.reduce(function (x, y) { return x + y; }, 0); }

  /** The sum over every pair of the series matching metric (any of a list) and dimension (any when null). */
  function pairSum(report, metrics, dimension) {
    var sum = zeros(report.buckets.length);
    report.pairs.forEach(function (p) {
      p.series.forEach(function (s) {
        if (metrics.indexOf(s.metric) >= 0 && (dimension === null || s.dimension === dimension)) {
          addInto(sum, s.counts);
        }
      });
    });
    return sum;
  }

  /** Every rate budget's series: { 'highlevel:highlevel': [series...] }. */
  function budgets(report) {
    var out = {};
    function take(calls) {
      Object.keys(calls).forEach(function (b) { out[b] = (out[b] || []).concat(calls[b]); });
    }
    report.pairs.forEach(function (p) { take(p.apiCalls); });
    take(report.otherApiCalls || {});
    return out;
  }

  /** Requests a budget allows in `span` seconds: its strictest window, averaged over the span. */
  function capacity(budget, span) {
    var conf = config.budgets[budget.split(':')[0]];
    if (!conf) { return null; }
    return Math.min.apply(null, conf.windows.map(function (w) { return w.limit * span / w.periodSeconds; }));
  }

  function limitsText(budget) {
    var conf = config.budgets[budget.split(':')[0]];
    return conf ? conf.windows.map(function (w) { return num(w.limit) + ' per ' + period(w.periodSeconds); })
      .join(', ') : '-';
  }

  function bucketSeconds() { return range === 'day' ? 86400 : 3600; }

  // ---- charts ----------------------------------------------------------------------------------------------------

  function draw(id, xs, series, yLabel) {
    var box = $(id);
    var labels = series.map(function (s) { return s.label; }).join('\n') + '\n' + range;
    var data = [xs].concat(series.map(function (s) { return s.data; }));
    if (charts[id] && charts[id].labels === labels) {
      charts[id].setData(data); // same series: redrawn in place
      return;
    }
    if (charts[id]) { charts[id].destroy(); }
    var opts = {
      width: Math.max(240, box.clientWidth),
      height: 240,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); },
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(1, max) * 1.1]; } } },
      axes: [{}, { label: yLabel, size: 60 }],
      series: [{ label: range === 'day' ? 'Day (UTC)' : 'Hour (UTC)' }].concat(series.map(function (s, i) {
        return { label: s.label, stroke: s.color || COLORS[i % COLORS.length], width: 2,
                 points: { show: xs.length < 40 } };
      })),
      hooks: { draw: [function () { box.setAttribute('data-drawn', 'true'); }] }
    };
    charts[id] = new uPlot(opts, data, box);
    charts[id].labels = labels;
  }

  function renderSync(report, status) {
    var xs = report.buckets.map(seconds);
    var toBirdSend = pairSum(report, WRITES, TO_BIRDSEND);
    var toHighLevel = pairSum(report, WRITES, TO_HIGHLEVEL);
    var failed = pairSum(report, ['sync.failed'], null);
    var fired = pairSum(report, ['automation.fired'], null);
    draw('sync-chart', xs, [
      { label: 'written to BirdSend', data: toBirdSend, color: COLORS[0] },
      { label: 'written to HighLevel', data: toHighLevel, color: COLORS[1] },
      { label: 'failed writes', data: failed, color: COLORS[2] },
      { label: 'automations fired', data: fired, color: COLORS[4] }
    ], 'contacts');
    var dl = $('sync-facts');
    dl.replaceChildren();
    var sync = status.sync || {};
    fact(dl, 'Sync', sync.state);
    fact(dl, 'Linked contacts', num(status.links));
    fact(dl, 'Created', num(total(pairSum(report, ['sync.created'], TO_BIRDSEND))) + ' in BirdSend, '
      + num(total(pairSum(report, ['sync.created'], TO_HIGHLEVEL))) + ' in HighLevel');
    fact(dl, 'Updated', num(total(pairSum(report, ['sync.updated'], TO_BIRDSEND))) + ' in BirdSend, '
      + num(total(pairSum(report, ['sync.updated'], TO_HIGHLEVEL))) + ' in HighLevel');
    fact(dl, 'Failed writes', num(total(failed)));
    fact(dl, 'Last event', sync.lastEvent ? utc(sync.lastEvent) : null);
  }

  function renderBudgets(report) {
    var xs = report.buckets.map(seconds);
    var all = budgets(report);
    var names = Object.keys(all).sort();
    var span = bucketSeconds();
    var series = names.map(function (b, i) {
      var sum = zeros(xs.length);
      all[b].forEach(function (s) { addInto(sum, s.counts); });
      var cap = capacity(b, span);
      return { label: b, color: COLORS[i % COLORS.length], calls: sum,
               data: sum.map(function (n) { return cap ? Math.round(1000 * n / cap) / 10 : null; }) };
    });
    draw('budget-chart', xs, series, '% of budget');
    var rangeSeconds = xs.length * span;
    fill($('budget-table').tBodies[0], series.map(function (s) {
      var calls = total(s.calls);
      var cap = capacity(s.label, rangeSeconds);
      var limited = 0;
      all[s.label].forEach(function (x) { if (x.dimension === '429') { limited += x.total; } });
      return row([s.label, limitsText(s.label), el('td', num(calls), 'num'),
        el('td', cap ? (Math.round(1000 * calls / cap) / 10) + ' %' : '-', 'num'),
        el('td', num(limited), limited ? 'num bad' : 'num')]);
    }), 'No requests in this range.', 5);
  }

  function renderAutomations() {
    var hourly = reports.hour;
    var daily = reports.day;
    var ids = config.automations.map(function (a) { return a.id; });
    [hourly, daily].forEach(function (r) {
      if (!r) { return; }
      r.pairs.forEach(function (p) {
        p.series.forEach(function (s) {
          if (s.metric === 'automation.fired' && ids.indexOf(s.dimension) < 0) { ids.push(s.dimension); }
        });
      });
    });
    ids.sort();
    fill($('automation-table').tBodies[0], ids.map(function (id) {
      var conf = config.automations.filter(function (a) { return a.id === id; })[0];
      var lastHour = hourly ? last(hourly, id) : null;
      var lastDay = !lastHour && daily ? last(daily, id) : null;
      var seen = lastHour ? utc(lastHour) : lastDay ? utc(lastDay, true) : (daily ? 'not in 30 days' : '-');
      return row([id, el('td', conf ? (conf.running ? 'yes' : 'no') : 'not loaded', conf && conf.running ? 'ok' : ''),
        seen, el('td', hourly ? num(firings(hourly, id)) : '-', 'num'),
        el('td', daily ? num(firings(daily, id)) : '-', 'num')]);
    }), 'No automations are loaded.', 5);
  }

  function firings(report, id) { return total(pairSum(report, ['automation.fired'], id)); }

  function last(report, id) {
    var counts = pairSum(report, ['automation.fired'], id);
    for (var i = counts.length - 1; i >= 0; i--) {
      if (counts[i] > 0) { return report.buckets[i]; }
    }
    return null;
  }

  // ---- status ----------------------------------------------------------------------------------------------------

  function renderBackfill(status) {
    var b = status.backfill || {};
    var bar = $('backfill-bar');
    var percent = b.percent === null || b.percent === undefined ? (b.state === 'done' ? 100 : 0) : b.percent;
    bar.style.width = Math.min(100, percent) + '%';
    bar.setAttribute('aria-valuenow', String(percent));
    bar.className = 'bar' + (b.state === 'done' ? ' done' : b.state === 'failed' ? ' failed' : '');
    var dl = $('backfill-facts');
    dl.replaceChildren();
    fact(dl, 'State', (b.state || 'unknown') + (b.phase ? ' (' + b.phase + ')' : '') + (b.dryRun ? ', dry run' : ''));
    fact(dl, 'Progress', num(b.processed) + ' of ' + num(b.total) + ' (' + percent + ' %)');
    fact(dl, 'Rate', b.rate ? b.rate + ' contacts/s' : null);
    fact(dl, 'ETA', b.state === 'running' ? duration(b.etaSeconds) : null);
    if (b.error) { fact(dl, 'Error', b.error); }
  }

  function renderConnections(status) {
    var conns = status.connections || {};
    fill($('connection-table').tBodies[0], Object.keys(conns).sort().map(function (id) {
      var c = conns[id];
      return row([id, c.service, el('td', c.status + (c.message ? ': ' + c.message : ''),
        c.status === 'OK' ? 'ok' : 'bad')]);
    }), 'No connections.', 3);
  }

  // ---- pairs -----------------------------------------------------------------------------------------------------

  function renderPairs(status) {
    var pairs = status.pairs || {};
    fill($('pair-table').tBodies[0], Object.keys(pairs).sort().map(function (id) {
      var p = pairs[id];
      var parked = (p.parked || []).reduce(function (n, g) { return n + g.events; }, 0);
      var parkedCell = el('td', num(parked), parked ? 'bad' : null);
      if (parked) {
        parkedCell.title = (p.parked || []).map(function (g) { return g.consumer + ': ' + (g.lastError || ''); }).join('\n');
      }
      var cell = el('td', null, 'actions');
      var button = el('button', p.paused ? 'Resume' : 'Pause');
      button.type = 'button';
      button.setAttribute('data-pair', id);
      button.addEventListener('click', function () { pauseOrResume(id, p.paused ? 'resume' : 'pause', button); });
      cell.appendChild(button);
      var remove = el('button', 'Remove');
      remove.type = 'button';
      remove.setAttribute('data-remove-pair', id);
      remove.addEventListener('click', function () { removePair(id, p, remove); });
      cell.appendChild(remove);
      var tr = row([id, p.highlevelConnection, p.birdsendConnection, p.mapping || '',
        el('td', p.state, p.state === 'running' ? 'ok' : 'bad'), num(p.links), parkedCell, cell]);
      tr.id = 'pair-' + id;
      tr.setAttribute('data-state', p.state);
      return tr;
    }), 'No pairs.', 8);
  }

  function pauseOrResume(id, action, button) {
    button.disabled = true;
    button.textContent = action === 'pause' ? 'pausing...' : 'resuming...';
    send('POST', 'api/pairs/' + encodeURIComponent(id) + '/' + action).then(function () { refresh(); })
      .catch(function (e) {
        button.disabled = false;
        problem('The ' + action + ' of pair ' + id + ' failed: ' + e.message);
      });
  }

  function removePair(id, pair, button) {
    // DELETE keeps the pair's links and cursors (PairRoutes): the person should know it is not a wipe.
    if (!window.confirm('Remove pair ' + id + ' (' + pair.highlevelConnection + ' and ' + pair.birdsendConnection
      + ')? It is synced no more. Its links and cursors are kept: adding it again continues where it was.')) {
      return;
    }
    button.disabled = true;
    button.textContent = 'removing...';
    send('DELETE', 'api/pairs/' + encodeURIComponent(id)).then(function () { refresh(); }).catch(function (e) {
      button.disabled = false;
      button.textContent = 'Remove';
      problem('The removal of pair ' + id + ' failed: ' + e.message);
    });
  }

  // ---- adding a pair ---------------------------------------------------------------------------------------------

  var choices = {}; // select id -> the options last drawn, so an unchanged list is not redrawn under the pointer

  /** Fills each connection select with that service's connections, keeping what is chosen. */
  function loadConnectionChoices() {
    return getJson('api/connections').then(function (answer) {
      var all = answer.connections || [];
      [['pair-add-highlevel', 'highlevel', 'HighLevel'], ['pair-add-birdsend', 'birdsend', 'BirdSend']]
        .forEach(function (s) {
          var select = $(s[0]);
          var options = all.filter(function (c) { return c.service === s[1]; })
            .sort(function (a, b) { return a.id < b.id ? -1 : a.id > b.id ? 1 : 0; })
            .map(function (c) { return { value: c.id, label: c.id + (c.pair ? ' (pair ' + c.pair + ')' : '') }; });
          var drawn = JSON.stringify(options);
          if (choices[s[0]] === drawn) { return; }
          choices[s[0]] = drawn;
          var chosen = select.value;
          select.replaceChildren(el('option', options.length ? 'choose a ' + s[2] + ' connection'
            : 'no ' + s[2] + ' connections'));
          select.options[0].value = '';
          options.forEach(function (o) {
            var option = el('option', o.label);
            option.value = o.value;
            select.appendChild(option);
          });
          select.value = options.some(function (o) { return o.value === chosen; }) ? chosen : '';
        });
      if ($('pair-add-result').getAttribute('data-outcome') === 'unreadable') { pairAddResult(''); }
    }).catch(function (e) { pairAddResult('The connections could not be read: ' + e.message, 'unreadable'); });
  }

  /** The form's last outcome next to it: 'added', 'refused' or 'unreadable' (the connections), or none. */
  function pairAddResult(text, outcome) {
    var p = $('pair-add-result');
    p.hidden = !text;
    p.textContent = text || '';
    p.className = outcome === 'added' ? 'note ok' : 'problem';
    p.setAttribute('data-outcome', text ? outcome : '');
  }

  $('pair-add').addEventListener('submit', function (event) {
    event.preventDefault();
    var form = event.target;
    var submit = form.querySelector('button[type=submit]');
    // The fields PairRoutes reads; its checks (id format, connections known, of the right service, unpaired) are
    // the ones that count, so nothing is checked here first.
    var pair = {
      id: $('pair-add-id').value.trim(),
      highlevelConnection: $('pair-add-highlevel').value,
      birdsendConnection: $('pair-add-birdsend').value
    };
    // Left out when blank: the pair then syncs by the bridge's mapping.
    var mapping = $('pair-add-mapping').value.trim();
    if (mapping) { pair.mapping = mapping; }
    submit.disabled = true;
    pairAddResult('');
    send('POST', 'api/pairs', pair).then(function (added) {
      form.reset();
      pairAddResult('Pair ' + added.id + ' added: ' + added.highlevelConnection + ' with ' + added.birdsendConnection
        + (added.mapping ? ', mapping ' + added.mapping : '') + '.', 'added');
      refresh();
    }).catch(function (e) {
      pairAddResult('Pair ' + (pair.id || '(no id)') + ' was not added: ' + e.message, 'refused');
    }).then(function () { submit.disabled = false; });
  });

  // ---- dead letters ----------------------------------------------------------------------------------------------

  function renderDeadLetters(list, status) {
    var q = status.deadLetterQueue || {};
    $('dead-letter-count').textContent = '(' + num(status.deadLetters) + ' open'
      + (q.oldestOpenAgeSeconds ? ', oldest ' + duration(q.oldestOpenAgeSeconds) : '') + ')';
    fill($('dead-letter-table').tBodies[0], list.deadLetters.map(function (l) {
      var error = el('td', l.errorMessage, 'error');
      error.title = l.errorClass || '';
      var cell = el('td');
      var button = el('button', 'Replay');
      button.type = 'button';
      button.setAttribute('data-replay', String(l.id));
      if (l.state !== 'open' || replays[l.id]) {
        button.disabled = true;
        button.textContent = replays[l.id] || l.state;
      }
      button.addEventListener('click', function () { replay(l.id, button); });
      cell.appendChild(button);
      var tr = row([String(l.id), utc(l.lastFailedAt), l.route, l.operation, error, cell]);
      tr.id = 'dead-letter-' + l.id;
      return tr;
    }), 'No open dead letters.', 6);
  }

  function replay(id, button) {
    button.disabled = true;
    button.textContent = 'replaying...';
    fetch('api/dead-letters/' + encodeURIComponent(id) + '/replay', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'X-XSRF-TOKEN': csrfToken(), Accept: 'application/json' }
    }).then(function (r) {
      return r.json().catch(function () { return { outcome: 'HTTP ' + r.status }; });
    }).then(function (result) {
      var outcome = result.outcome || result.error || 'unknown';
      replays[id] = outcome;
      button.textContent = outcome;
      var line = 'Dead letter ' + id + ': ' + outcome + (result.detail ? ' (' + result.detail + ')' : '')
        + (outcome === 'queued' ? '; the live sync replays it now.' : '.');
      var p = $('replay-result');
      if (!p) {
        p = el('p', null, 'note');
        p.id = 'replay-result';
        $('dead-letters').appendChild(p);
      }
      p.textContent = line;
      p.setAttribute('data-outcome', outcome);
      setTimeout(refresh, 2000);
    }).catch(function (e) {
      button.disabled = false;
      button.textContent = 'Replay';
      problem('Replay of dead letter ' + id + ' failed: ' + e.message);
    });
  }

  // ---- refresh ---------------------------------------------------------------------------------------------------

  function refresh() {
    loadConnectionChoices(); // apart from the rest: connections added through the API, and which pair has each
    Promise.all([getJson('api/status'), getJson('api/reports'), getJson('api/reports?granularity=day'),
      getJson('api/dead-letters?state=open,replaying&limit=' + config.deadLetters)])
      .then(function (r) {
        var status = r[0];
        reports.hour = r[1];
        reports.day = r[2];
        var report = range === 'day' ? reports.day : reports.hour;
        renderSync(report, status);
        renderBudgets(report);
        renderAutomations();
        renderBackfill(status);
        renderPairs(status);
        renderConnections(status);
        renderDeadLetters(r[3], status);
        problem(status.storeAvailable === false ? 'The store is not answering: ' + (status.storeProblem || '') : '');
        $('updated').textContent = 'updated ' + new Date().toISOString().substring(11, 19) + ' UTC';
        document.body.setAttribute('data-loaded', 'true');
      })
      .catch(function (e) { problem(e.message); });
  }

  Array.prototype.forEach.call(document.querySelectorAll('[data-range]'), function (b) {
    b.addEventListener('click', function () {
      range = b.getAttribute('data-range');
      Array.prototype.forEach.call(document.querySelectorAll('[data-range]'), function (o) {
        o.setAttribute('aria-pressed', String(o === b));
      });
      refresh();
    });
  });

  var resizing;
  window.addEventListener('resize', function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      Object.keys(charts).forEach(function (id) {
        charts[id].setSize({ width: Math.max(240, $(id).clientWidth), height: 240 });
      });
    }, 150);
  });

  refresh();
  setInterval(refresh, config.refreshSeconds * 1000);
}());
