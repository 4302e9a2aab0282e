# Models of the appeals app.
