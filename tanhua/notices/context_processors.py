"""The bell in the top bar: the unread count, one query, only for pages that show it."""

from django.utils.functional import SimpleLazyObject


def bell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from tanhua.notices.models import Notice

    # Lazy: a response that does not render the bell (a partial, a download) costs nothing.
    return {
        "unread_notices": SimpleLazyObject(lambda: Notice.objects.visible_to(user).unread().count())
    }
