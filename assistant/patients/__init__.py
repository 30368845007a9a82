"""Who a conversation belongs to: anonymous ids, enrolled patients, codes and links."""
