BEAT_SCHEDULE = {
    "namelists-fail-interrupted": {"task": "namelists.fail_interrupted", "schedule": 300.0},
}
