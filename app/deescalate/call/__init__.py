"""A call: the pipeline (audio feeds, one recogniser per speaker, merged in call-time order)
into the analysis (detector, advisor); run on a thread, or in a child process for the app."""
