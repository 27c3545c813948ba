// Test helper (not a suite): a JSON Schema of the CTRF report, written here by hand from the
// CTRF specification (https://ctrf.io, spec 0.0.0: root, results, tool, summary, test). The
// schema file of ctrf-io/ctrf is not vendored: its license could not be confirmed here. This
// covers what the spec requires (required fields, their types, the status enum, integer
// milliseconds) and forbids unknown fields where the spec's schema does (tool, summary, test).
const STATUS = { enum: ['passed', 'failed', 'skipped', 'pending', 'other'] };
const INT = { type: 'integer' };

export const CTRF_SUBSET_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['reportFormat', 'specVersion', 'results'],
  properties: {
    reportFormat: { const: 'CTRF' },
    specVersion: { type: 'string', pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$' },
    generatedBy: { type: 'string' },
    timestamp: { type: 'string' },
    results: {
      type: 'object',
      required: ['tool', 'summary', 'tests'],
      properties: {
        tool: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', minLength: 1 }, version: { type: 'string' } },
          additionalProperties: false,
        },
        summary: {
          type: 'object',
          required: ['tests', 'passed', 'failed', 'skipped', 'pending', 'other', 'start', 'stop'],
          properties: {
            tests: INT,
            passed: INT,
            failed: INT,
            skipped: INT,
            pending: INT,
            other: INT,
            start: INT,
            stop: INT,
            duration: INT,
          },
          additionalProperties: false,
        },
        tests: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'status', 'duration'],
            properties: {
              name: { type: 'string', minLength: 1 },
              status: STATUS,
              duration: INT,
              suite: { type: 'array', minItems: 1, items: { type: 'string' } },
              type: { type: 'string' },
              message: { type: 'string' },
              trace: { type: 'string' },
              tags: { type: 'array', items: { type: 'string' } },
            },
            additionalProperties: false,
          },
        },
        environment: { type: 'object', additionalProperties: { type: 'string' } },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;
