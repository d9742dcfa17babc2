import { describe, expect, it } from 'vitest';
import { validationDetails } from './error-handler.ts';

describe('validationDetails', () => {
  it('names nested fields, missing ones and unknown ones with their part of the request', () => {
    const details = validationDetails('body', [
      { instancePath: '/filters/0/service', keyword: 'type', message: 'must be string', params: {} },
      { instancePath: '', keyword: 'required', params: { missingProperty: 'message' } },
      { instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: 'extra' } },
    ]);
    expect(details).toEqual([
      { field: 'filters.0.service', in: 'body', message: 'body.filters.0.service must be string' },
      { field: 'message', in: 'body', message: 'body.message is required' },
      { field: 'extra', in: 'body', message: 'body.extra is not a known field' },
    ]);
  });

  it('describes an error about the whole part without a field', () => {
    expect(validationDetails('query', [{ instancePath: '', keyword: 'type', message: 'must be object', params: {} }])).toEqual([
      { in: 'query', message: 'query must be object' },
    ]);
  });
});
