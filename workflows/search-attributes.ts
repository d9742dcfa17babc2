// Typed search-attribute keys: workflows and the client set them; temporal/search-attributes.ts registers them.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const AccountIdKey = defineSearchAttributeKey('AccountId', SearchAttributeType.KEYWORD);
export const IntegrationIdKey = defineSearchAttributeKey('IntegrationId', SearchAttributeType.KEYWORD);
export const KindKey = defineSearchAttributeKey('Kind', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_KEYS = [AccountIdKey, IntegrationIdKey, KindKey] as const;
