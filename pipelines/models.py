# Models of the pipelines app.
