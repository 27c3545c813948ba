import { bootstrapService } from '@patch-factory/pipeline';
import { WatchingModule } from '@patch-factory/watching';

/**
 * The watcher service: polls the sources of PF_WATCH_CONFIG on their schedules (one BullMQ
 * job scheduler per target) and records each new upstream version once, as an event the
 * orchestrator plans. Serves /health and /metrics.
 */
void bootstrapService({
  service: 'watcher',
  defaultPort: 8088,
  pipeline: { stages: [], jobs: ['watch.poll'] },
  imports: [WatchingModule],
});
