"""REST API: 清查盘点 campaigns: units confirm or correct each room; 账账/账实/账证 differences."""

from ninja import Router

router = Router()
