/* 驾驶舱 and 辅助决策 charts (ECharts, vendored). Each chart card has a table
   view (rendered by the server from the same numbers) and a CSV export of
   that table; ECharts' toolbox saves the chart as an image. Animation is off
   so that print and screenshots show the finished chart. */
(function () {
  'use strict';
  if (typeof window.echarts === 'undefined') { return; }
  var charts = {};
  var BLUE = '#1f6fd1', ORANGE = '#e8833a', GREY = '#8c96a0';
  // Labels come translated from templates/web/dashboard/_chart_labels.html.
  var labelsEl = document.getElementById('chart-labels');
  function L(key, fallback) {
    var v = labelsEl && labelsEl.dataset[key];
    return v === undefined ? fallback : v;
  }

  function readData(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function draw(key, option) {
    var el = document.getElementById('chart-' + key);
    if (!el) { return; }
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    option.animation = false;
    option.toolbox = {
      right: 4, top: 0,
      feature: { saveAsImage: { title: L('save', '保存为图片'), name: el.getAttribute('aria-label') || key, pixelRatio: 2 } }
    };
    option.textStyle = { fontFamily: 'inherit' };
    chart.setOption(option);
    charts[key] = chart;
  }

  function pie(key, rows) {
    draw(key, {
      tooltip: { trigger: 'item', formatter: L('pietip', '{b}：{c}人（{d}%）') },
      legend: { bottom: 0, type: 'scroll' },
      series: [{ type: 'pie', radius: ['35%', '65%'], center: ['50%', '45%'],
        label: { formatter: '{b}\n{d}%' },
        data: rows.map(function (r) { return { name: r.label, value: r.n }; }) }]
    });
  }

  function grid(tiles) {
    var perRow = Math.min(4, Math.max(1, tiles.length));
    var rows = Math.ceil(tiles.length / perRow);
    var xs = [], ys = [];
    for (var i = 0; i < perRow; i++) { xs.push(String(i)); }
    for (var j = 0; j < rows; j++) { ys.push(String(j)); }
    var max = Math.max.apply(null, tiles.map(function (t) { return t.rate; }).concat([1]));
    draw('grid', {
      tooltip: { formatter: function (p) { var t = tiles[p.dataIndex];
        return t.name + '<br>' + L('vacancyrate', '空编率') + ' ' + t.rate + '%<br>' + L('approved', '核定') + ' ' + t.approved +
          L('comma', '，') + L('occupied', '实有') + ' ' + t.occupied + L('comma', '，') + L('vacancy', '空编') + ' ' + t.vacancy; } },
      grid: { left: 8, right: 8, top: 28, bottom: 48 },
      xAxis: { type: 'category', data: xs, show: false },
      yAxis: { type: 'category', data: ys, show: false, inverse: true },
      visualMap: { min: 0, max: max, calculable: false, orient: 'horizontal', left: 'center', bottom: 0,
        text: [L('ratehigh', '空编率高'), L('ratelow', '空编率低')], inRange: { color: ['#c0392b', '#f1c40f', '#27ae60'] } },
      series: [{ type: 'heatmap', itemStyle: { borderColor: '#fff', borderWidth: 4 },
        label: { show: true, color: '#111', formatter: function (p) { var t = tiles[p.dataIndex]; return t.name + '\n' + t.rate + '%'; } },
        data: tiles.map(function (t, i) { return [i % perRow, Math.floor(i / perRow), t.rate]; }) }]
    });
    if (charts.grid) {
      charts.grid.on('click', function (p) { var t = tiles[p.dataIndex]; if (t && t.url) { window.location.href = t.url; } });
    }
  }

  function dashboard(d) {
    draw('trend', {
      tooltip: { trigger: 'axis' }, legend: { top: 0, left: 0 },
      grid: { left: 50, right: 16, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: d.trend.months },
      yAxis: { type: 'value', scale: true },
      series: [
        { name: L('approvedposts', '核定编制数'), type: 'line', data: d.trend.approved, color: BLUE },
        { name: L('occupiedpeople', '实有人数'), type: 'line', data: d.trend.occupied, color: ORANGE }
      ]
    });
    draw('pyramid', {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' },
        valueFormatter: function (v) { return L('npersons', '{n}人').replace('{n}', Math.abs(v)); } },
      legend: { top: 0, left: 0 },
      grid: { left: 56, right: 16, top: 36, bottom: 24 },
      xAxis: { type: 'value', axisLabel: { formatter: function (v) { return Math.abs(v); } } },
      yAxis: { type: 'category', data: d.age_pyramid.bands },
      series: [
        { name: L('male', '男'), type: 'bar', barMaxWidth: 36, stack: 'all', color: BLUE,
          data: d.age_pyramid.male.map(function (v) { return -v; }) },
        { name: L('female', '女'), type: 'bar', barMaxWidth: 36, stack: 'all', color: ORANGE, data: d.age_pyramid.female }
      ]
    });
    pie('education', d.education);
    pie('identity', d.identity);
    draw('rank', {
      tooltip: { trigger: 'axis' }, grid: { left: 110, right: 16, top: 28, bottom: 24 },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', inverse: true, data: d.rank.map(function (r) { return r.label; }) },
      series: [{ name: L('people', '人数'), type: 'bar', barMaxWidth: 36, color: BLUE, data: d.rank.map(function (r) { return r.n; }) }]
    });
    draw('category', {
      tooltip: { trigger: 'axis' }, legend: { top: 0, left: 0 },
      grid: { left: 50, right: 16, top: 36, bottom: 60 },
      xAxis: { type: 'category', axisLabel: { interval: 0, rotate: 20 },
        data: d.category_funding.map(function (r) { return r.category_label + '·' + r.funding_label; }) },
      yAxis: { type: 'value' },
      series: [
        { name: L('approvedposts', '核定编制数'), type: 'bar', barMaxWidth: 36, color: BLUE, data: d.category_funding.map(function (r) { return r.approved; }) },
        { name: L('occupiedpeople', '实有人数'), type: 'bar', barMaxWidth: 36, color: ORANGE, data: d.category_funding.map(function (r) { return r.occupied; }) }
      ]
    });
    draw('over', {
      title: d.top_over.length ? undefined : { text: L('noover', '无超编单位'), left: 'center', top: 'middle', textStyle: { color: GREY, fontSize: 14 } },
      tooltip: { trigger: 'axis' }, grid: { left: 150, right: 16, top: 28, bottom: 24 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: d.top_over.map(function (r) { return r.name; }) },
      series: [{ name: L('over', '超编数'), type: 'bar', barMaxWidth: 22, color: '#c0392b', data: d.top_over.map(function (r) { return r.over; }) }]
    });
    if (d.grid && d.grid.length) { grid(d.grid); }
  }

  function decision(d) {
    var mine = d.ageing, city = d.city_ageing;
    var names = [d.selection.label || L('selected', '所选范围')];
    if (city) { names.push((d.baseline && d.baseline.label) || L('city', '全市')); }
    function both(key) { var v = [mine[key]]; if (city) { v.push(city[key]); } return v; }
    draw('ageing', {
      tooltip: { trigger: 'axis' }, legend: { top: 0, left: 0 },
      grid: { left: 44, right: 16, top: 56, bottom: 24 },
      xAxis: { type: 'category', data: names },
      yAxis: { type: 'value', name: '%' },
      series: [
        { name: L('young', '35岁以下占比'), type: 'bar', barMaxWidth: 36, color: '#27ae60', data: both('share_young') },
        { name: L('old', '50岁及以上占比'), type: 'bar', barMaxWidth: 36, color: '#c0392b', data: both('share_old') }
      ]
    });
    var series = [{ name: names[0], type: 'bar', barMaxWidth: 36, color: BLUE, data: d.education.map(function (r) { return r.share; }) }];
    if (city) { series.push({ name: names[1], type: 'bar', barMaxWidth: 36, color: GREY, data: d.education.map(function (r) { return r.city_share; }) }); }
    draw('education', {
      tooltip: { trigger: 'axis', valueFormatter: function (v) { return v + '%'; } }, legend: { top: 0, left: 0 },
      grid: { left: 44, right: 16, top: 56, bottom: 24 },
      xAxis: { type: 'category', data: d.education.map(function (r) { return r.label; }) },
      yAxis: { type: 'value', name: '%' }, series: series
    });
    var fit = d.specialist_fit.by_sector;
    draw('fit', {
      title: fit.length ? undefined : { text: L('nofit', '无可测算的专业记录'), left: 'center', top: 'middle', textStyle: { color: GREY, fontSize: 14 } },
      tooltip: { trigger: 'axis' }, grid: { left: 44, right: 16, top: 28, bottom: 40 },
      xAxis: { type: 'category', axisLabel: { interval: 0, rotate: 15 }, data: fit.map(function (r) { return r.label; }) },
      yAxis: { type: 'value', name: '%', max: 100 },
      series: [{ name: L('fit', '专业对口率'), type: 'bar', barMaxWidth: 36, color: BLUE, data: fit.map(function (r) { return r.share; }) }]
    });
    if (d.tilt) {
      var rows = d.tilt.rows;
      draw('tilt', {
        tooltip: { trigger: 'axis' }, legend: { top: 0, left: 0 },
        grid: { left: 44, right: 44, top: 56, bottom: 40 },
        xAxis: { type: 'category', axisLabel: { interval: 0, rotate: 15 }, data: rows.map(function (r) { return r.name; }) },
        yAxis: [{ type: 'value', name: L('sharepct', '占比%') }, { type: 'value', name: L('ageing', '老化指数') }],
        series: [
          { name: L('byvacancy', '按空编比例'), type: 'bar', barMaxWidth: 36, color: GREY, data: rows.map(function (r) { return r.base_share; }) },
          { name: L('byageing', '按老化加权'), type: 'bar', barMaxWidth: 36, color: BLUE, data: rows.map(function (r) { return r.tilted_share; }) },
          { name: L('ageing', '老化指数'), type: 'line', yAxisIndex: 1, color: '#c0392b', data: rows.map(function (r) { return r.ageing_index; }) }
        ]
      });
    }
  }

  function csvCell(text) {
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function exportCsv(key, name) {
    var table = document.querySelector('#table-' + key + ' table');
    if (!table) { return; }
    var lines = Array.prototype.map.call(table.rows, function (row) {
      return Array.prototype.map.call(row.cells, function (c) { return csvCell(c.textContent.trim()); }).join(',');
    });
    var blob = new Blob(['\ufeff' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
    var a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = (name || key) + '.csv';
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  document.addEventListener('click', function (event) {
    var toggle = event.target.closest('[data-toggle-table]');
    if (toggle) {
      var key = toggle.getAttribute('data-toggle-table');
      var table = document.getElementById('table-' + key);
      var chart = document.getElementById('chart-' + key);
      var showTable = table.hidden;
      table.hidden = !showTable;
      chart.hidden = showTable;
      toggle.setAttribute('aria-pressed', showTable ? 'true' : 'false');
      toggle.textContent = showTable ? L('chart', '图表') : L('table', '表格');
      if (!showTable && charts[key]) { charts[key].resize(); }
      return;
    }
    var exporter = event.target.closest('[data-export-csv]');
    if (exporter) { exportCsv(exporter.getAttribute('data-export-csv'), exporter.getAttribute('data-filename')); }
  });
  window.addEventListener('resize', function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
  window.addEventListener('beforeprint', function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });

  var d = readData('dashboard-data');
  if (d) { dashboard(d); }
  var dd = readData('decision-data');
  if (dd) { decision(dd); }
  window.bianzhiCharts = charts;
}());
