// 挂图作战: one small chart per target, cumulative monthly figure against the target line.
// Data comes from the json_script tag #pl-chart-data (CSP forbids inline scripts). Series names come translated
// from the server; every legend entry is a series that is drawn, and count metrics get whole-number axes.
(function () {
  "use strict";
  var source = document.getElementById("pl-chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  document.querySelectorAll(".pl-chart").forEach(function (el) {
    var item = data[Number(el.dataset.index)];
    if (!item) { return; }
    var names = item.names;
    var chart = echarts.init(el);
    var yAxis = { type: "value", max: function (v) { return Math.max(v.max, item.target); } };
    if (item.is_count) { yAxis.minInterval = 1; }
    chart.setOption({
      title: { text: item.label + "（" + item.unit + "）", textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, data: [names.cumulative, names.monthly, names.target] },
      grid: { left: 40, right: 16, top: 36, bottom: 48 },
      xAxis: { type: "category", data: item.months.map(function (m) { return names.month.replace("%(m)s", m); }) },
      yAxis: yAxis,
      series: [
        { name: names.cumulative, type: "line", data: item.cumulative, smooth: true },
        { name: names.monthly, type: "bar", data: item.monthly, itemStyle: { color: "#90caf9" } },
        { name: names.target, type: "line", symbol: "none", data: item.months.map(function () { return item.target; }),
          lineStyle: { color: "#c62828", type: "dashed" }, itemStyle: { color: "#c62828" } }
      ]
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
