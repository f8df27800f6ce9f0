"""Store backends behind one interface (``healthkg.store.base.Store``)."""
