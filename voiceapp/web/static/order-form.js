// The order form (/orders/new): the payment plans offered are the main product's, and the
// currency shown follows it. Without this script every product's plans are listed,
// grouped by product, and the server refuses a plan of another product.
(function () {
  "use strict";

  const main = document.getElementById("main_product");
  const plan = document.getElementById("plan");
  const currency = document.getElementById("order-currency");
  if (!main || !plan) {
    return;
  }

  function followMainProduct() {
    const chosen = main.value;
    let firstOfChosen = null;
    let keepsChoice = false;
    plan.querySelectorAll("optgroup").forEach(function (group) {
      const ours = group.dataset.product === chosen;
      group.hidden = !ours;
      group.querySelectorAll("option").forEach(function (option) {
        option.disabled = !ours;
        if (ours && firstOfChosen === null) {
          firstOfChosen = option;
        }
        if (ours && option.selected) {
          keepsChoice = true;
        }
      });
    });
    if (!keepsChoice && firstOfChosen !== null) {
      firstOfChosen.selected = true;
    }
    const option = main.selectedOptions[0];
    if (currency && option) {
      currency.textContent = option.dataset.currency || "";
    }
  }

  main.addEventListener("change", followMainProduct);
  followMainProduct();
})();
