from django.core.management.base import BaseCommand

from crm.demo import DEMO_PASSWORD, USERS
from crm.registry import registry


class Command(BaseCommand):
    help = "载入演示数据（可重复执行，不会重复创建）。"

    def handle(self, *args, **options):
        for name, loader in registry.demo_in_order():
            self.stdout.write(f"· {name}")
            loader(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。登录账号（密码均为 %s）：" % DEMO_PASSWORD))
        for username, role, last, first, *_rest in USERS:
            self.stdout.write(f"  {username:<14} {last}{first}  ({role})")
