from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    """{{ row|get:name }}: a dict value by a variable key."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""
