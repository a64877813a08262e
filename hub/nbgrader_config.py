# nbgrader's settings for every user of the class's shared environment (hub/setup.py writes this
# to <environment>/etc/jupyter/nbgrader_config.py). Students fetch, submit and fetch feedback in
# the Assignment List through this exchange; the instructor's course directory adds its own
# nbgrader_config.py (the course root, the gradebook, the grading configuration).
c = get_config()  # noqa: F821
c.Exchange.root = "@EXCHANGE@"
c.CourseDirectory.course_id = "@COURSE_ID@"
# The grader adds its re-check's notes and review lines to the autograded notebook after
# nbgrader saved it; nbgrader's default leaves it read-only (444), which stops an instructor who
# is not root. Writable by the instructor only (the course directory is the instructor's).
c.Autograde.permissions = 644
