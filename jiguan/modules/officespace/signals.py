"""Office space follows the people register: when a person is recorded as transferred or retired (through
``jiguan.core.services.org.update_person`` or anywhere else), their offices go into recovery. The kernel
knows nothing of modules, so the module listens to Person saves."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from jiguan.core.models import Person


@receiver(post_save, sender=Person, dispatch_uid="officespace_recover_after_departure")
def recover_offices_of_departed(sender, instance: Person, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    from .services import recover_after_departure

    recover_after_departure(instance)
