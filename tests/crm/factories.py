import factory

from crm.models import Community, Department, District, Role, Street, Team, User


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    code = "440311"
    name = "光明区"


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street
        django_get_or_create = ("code",)

    district = factory.SubFactory(DistrictFactory)
    code = factory.Sequence(lambda n: f"44039{n % 10000:04d}")
    name = factory.Sequence(lambda n: f"测试街道{n}")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community
        django_get_or_create = ("code",)

    street = factory.SubFactory(StreetFactory)
    # 12 digits whatever the sequence has reached (a long run creates more than 999 communities).
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.street.code}{n % 999 + 1:03d}")
    name = factory.Sequence(lambda n: f"测试社区{n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试职能部门{n}")
    short_name = "部门"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "测"
    first_name = factory.Sequence(lambda n: f"试{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.gov.cn")
    role = Role.OFFICER
    street = factory.SubFactory(StreetFactory)
    password = factory.PostGenerationMethodCall("set_password", "Pass-word-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"专班{n}")
