// Shopping cart widget.

var TAX_RATE = 0.2;

function renderTotal(el, cart) {
  var total = 0;
  for (const item of cart.items) {
    total += item.price * item.qty;
  }
  if (cart.items.length == 0) {
    el.innerHTML = "Your cart is empty";
    return;
  }
  el.innerHTML = cart.currency + " " + (total * (1 + TAX_RATE)).toFixed(2);
}

function snapshot(cart) {
  return JSON.parse(JSON.stringify(cart));
}

module.exports = { renderTotal, snapshot };
