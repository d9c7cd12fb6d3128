@_exported import AWSMFACard
