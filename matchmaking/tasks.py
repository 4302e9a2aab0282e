from celery import shared_task

from matchmaking.services import remind_stale_needs


@shared_task(name="matchmaking.remind_stale_needs")
def remind_stale_needs_task() -> int:
    return remind_stale_needs()
