# Models of the namelists app.
