from celery import shared_task


@shared_task(name="matching.tasks.tender_published")
def tender_published(tender_id: int) -> None:
    """Queued on commit by tenders.services.lifecycle.tender_publish: match, write notifications, send them."""
