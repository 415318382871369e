# Convenience aliases; the two commands in README.md work without make.
.PHONY: lab test exercises lock
lab:
	python3 course.py lab
test:
	python3 course.py test
exercises:
	.venv/bin/course-kit build-exercises
lock:
	scripts/lock.sh
