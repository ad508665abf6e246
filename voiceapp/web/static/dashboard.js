// The dashboard's team table: a click on a column heading sorts the rows by that column
// (again: the other way round). Each cell carries its sort value in data-sort, so talk
// time sorts by seconds and money by amount, not by the text shown.
(function () {
  "use strict";

  function sortValue(row, column, numeric) {
    var raw = row.cells[column].getAttribute("data-sort") || "";
    return numeric ? parseFloat(raw) || 0 : raw;
  }

  function sortBy(table, th, column) {
    var numeric = th.getAttribute("data-kind") === "num";
    // Numbers start with the largest (who did most), names from A.
    var wasAscending = th.getAttribute("aria-sort") === "ascending";
    var wasSorted = th.hasAttribute("aria-sort");
    var ascending = wasSorted ? !wasAscending : !numeric;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = sortValue(a, column, numeric);
      var y = sortValue(b, column, numeric);
      var order = numeric ? x - y : String(x).localeCompare(String(y));
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th button.sort").forEach(function (button) {
      button.addEventListener("click", function () {
        sortBy(table, button.parentElement, parseInt(button.getAttribute("data-column"), 10));
      });
    });
  });
})();
