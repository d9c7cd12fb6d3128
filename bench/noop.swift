// The floor: a static Swift binary that prints one line.
print("noop")
