"""清查盘点 campaigns: units confirm or correct each room; 账账/账实/账证 differences."""
