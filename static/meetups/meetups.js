// Progressive enhancement: a "print my agenda" button (the page prints fine from the browser menu without it).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
