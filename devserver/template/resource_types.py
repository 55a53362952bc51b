"""The CloudFormation and SAM resource types the devserver reads or creates, by name."""

TABLE_TYPE = "AWS::DynamoDB::Table"
QUEUE_TYPE = "AWS::SQS::Queue"
BUCKET_TYPE = "AWS::S3::Bucket"
EMAIL_IDENTITY_TYPE = "AWS::SES::EmailIdentity"
SECRET_TYPE = "AWS::SecretsManager::Secret"  # noqa: S105 - a type name
PARAMETER_TYPE = "AWS::SSM::Parameter"
TOPIC_TYPE = "AWS::SNS::Topic"
FUNCTION_TYPE = "AWS::Serverless::Function"
LAYER_TYPES = frozenset({"AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"})
API_TYPE = "AWS::Serverless::Api"
SUBSCRIPTION_TYPE = "AWS::SNS::Subscription"
EVENT_SOURCE_MAPPING_TYPE = "AWS::Lambda::EventSourceMapping"
