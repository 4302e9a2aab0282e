// SLA dashboard trends. Data comes from the json_script tag: no inline script (CSP). Labels come translated
// from the server; the count axis has whole numbers only (minInterval 1).
(function () {
  var node = document.getElementById("sla-chart-data");
  if (!node || typeof echarts === "undefined") return;
  var data = JSON.parse(node.textContent);
  var L = data.labels;
  function draw(id, series, title) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el);
    chart.setOption({
      title: { text: title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, data: [L.count, L.response_rate, L.resolution_rate, L.satisfaction_rate] },
      grid: { left: 40, right: 40, top: 40, bottom: 50 },
      xAxis: { type: "category", data: series.map(function (s) { return s.period; }) },
      yAxis: [{ type: "value", name: L.unit, minInterval: 1 }, { type: "value", name: "%", max: 100 }],
      series: [
        { name: L.count, type: "bar", data: series.map(function (s) { return s.total; }) },
        { name: L.response_rate, type: "line", yAxisIndex: 1, data: series.map(function (s) { return s.response_rate; }) },
        { name: L.resolution_rate, type: "line", yAxisIndex: 1, data: series.map(function (s) { return s.resolution_rate; }) },
        { name: L.satisfaction_rate, type: "line", yAxisIndex: 1, data: series.map(function (s) { return s.satisfaction_rate; }) }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  draw("trend-month", data.trends.month, L.month);
  draw("trend-week", data.trends.week, L.week);
})();
