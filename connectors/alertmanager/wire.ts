// Prometheus Alertmanager's webhook receiver payload (version "4"), as POSTed by a `webhook_configs` receiver.

export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  /** 0001-01-01T00:00:00Z while firing with no known end. */
  endsAt: string;
  generatorURL?: string;
  fingerprint: string;
}

export interface AlertmanagerPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts?: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}

/** One alert of a notification, with the notification context it came in. */
export interface AlertmanagerRaw {
  receiver: string;
  groupKey: string;
  externalURL?: string;
  alert: AlertmanagerAlert;
}
