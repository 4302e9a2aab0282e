// A firm's monthly year-to-date series per indicator (360° page). Data from #ec-firm-series.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("ec-firm-series");
    var el = document.getElementById("ec-firm-chart");
    if (!source || !el || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var months = {};
    Object.keys(data).forEach(function (k) { data[k].forEach(function (p) { months[p[0]] = true; }); });
    var axis = Object.keys(months).sort();
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" }, legend: { bottom: 0 }, grid: { left: 8, right: 16, top: 24, bottom: 48, containLabel: true },
      xAxis: { type: "category", data: axis }, yAxis: { type: "value", name: "万元" },
      series: Object.keys(data).map(function (k) {
        var byMonth = {};
        data[k].forEach(function (p) { byMonth[p[0]] = Number(p[1]); });
        return { name: k + "·本年累计", type: "line", data: axis.map(function (m) { return byMonth[m] === undefined ? null : byMonth[m]; }) };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
