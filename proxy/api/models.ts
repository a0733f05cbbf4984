/**
 * @module GET /v1/models: `auto`, `local` and every model of a configured cloud provider, in OpenAI's list shape.
 */
import type { ModelCatalog } from '../router/index.ts';

export function modelList(catalog: ModelCatalog) {
  const created = 0;
  const data = [
    { id: 'auto', object: 'model', created, owned_by: 'tokenwise' },
    ...(catalog.local ? [{ id: 'local', object: 'model', created, owned_by: 'tokenwise' }] : []),
  ];
  for (const [name, entry] of catalog.cloud) {
    if (!entry.configured) continue;
    for (const id of entry.provider.models()) data.push({ id, object: 'model', created, owned_by: name });
  }
  return { object: 'list', data };
}
