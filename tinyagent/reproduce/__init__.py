"""The main job: run the numbered notebooks of a profile with papermill and write a report.

Usage: `python -m tinyagent.reproduce --profile {smoke,default,paper}` (see __main__.py).
"""
