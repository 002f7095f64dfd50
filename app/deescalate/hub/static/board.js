// The live board: the server sends the rows as HTML whenever something changed.
(function () {
  const board = document.getElementById("board");
  const stale = document.getElementById("stale");
  const source = new EventSource(board.dataset.stream);
  source.onmessage = (event) => {
    board.innerHTML = JSON.parse(event.data).html;
    stale.hidden = true;
  };
  source.addEventListener("signedout", () => { window.location = "/signin"; });
  source.onerror = () => { stale.hidden = false; };
})();
