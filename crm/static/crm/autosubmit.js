// A <select data-autosubmit> submits its form when changed (the calendar's year). No inline handlers: CSP.
document.addEventListener("change", (event) => {
  const field = event.target.closest("select[data-autosubmit]");
  if (field && field.form) field.form.submit();
});
