// SLA dashboard trends. Data comes from the json_script tag: no inline script (CSP).
(function () {
  var node = document.getElementById("sla-chart-data");
  if (!node || typeof echarts === "undefined") return;
  var data = JSON.parse(node.textContent);
  function draw(id, series, title) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el);
    chart.setOption({
      title: { text: title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 40, right: 40, top: 40, bottom: 50 },
      xAxis: { type: "category", data: series.map(function (s) { return s.period; }) },
      yAxis: [{ type: "value", name: "件" }, { type: "value", name: "%", max: 100 }],
      series: [
        { name: "诉求数", type: "bar", data: series.map(function (s) { return s.total; }) },
        { name: "响应率", type: "line", yAxisIndex: 1, data: series.map(function (s) { return s.response_rate; }) },
        { name: "按时办结率", type: "line", yAxisIndex: 1, data: series.map(function (s) { return s.resolution_rate; }) },
        { name: "满意率", type: "line", yAxisIndex: 1, data: series.map(function (s) { return s.satisfaction_rate; }) }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  draw("trend-month", data.trends.month, "按月趋势");
  draw("trend-week", data.trends.week, "按周趋势（近26周）");
})();
