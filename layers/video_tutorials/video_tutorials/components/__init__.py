"""Components: autonomous, idempotent doers. Each reads as load → guard → write."""
