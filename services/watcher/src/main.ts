import { bootstrapService } from '@patch-factory/pipeline';
import { WatchingModule } from '@patch-factory/watching';

/**
 * The watcher service: polls the definitions' own `track:` entries (the catalog at
 * PF_CATALOG_REMOTE, looked up where PF_WATCH_CONFIG's `tracks` say) and the watch list's
 * advisory feeds on their schedules (one BullMQ job scheduler per target, each poll jittered)
 * and records each new upstream version once, as an event the orchestrator plans. Serves
 * /health and /metrics.
 */
void bootstrapService({
  service: 'watcher',
  defaultPort: 8088,
  pipeline: { stages: [], jobs: ['watch.poll'] },
  imports: [WatchingModule],
});
