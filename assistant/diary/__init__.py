"""The symptom diary: natural answers, entries, trends and treatment events."""
