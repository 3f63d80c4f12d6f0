"""CI/CD: one CodePipeline (V2) in the primary region that tests and builds the functions once, then deploys the
built packages to every region, one Deploy stage per region in the configured order.

    Source (S3: <primary artifacts bucket>/source/source.zip)
      -> Build (CodeBuild, buildspec.yml: unit tests, build each function's package once, zip it)
      -> Deploy-<region> for each region (CodeBuild in that region, deployspec.yml:
         `aws lambda update-function-code --zip-file` for each function of that region)

Why CodeBuild deploy actions: CodePipeline has no action that updates a Lambda function's code from an artifact (its
Lambda action *invokes* a function), and CloudFormation/CodeDeploy actions would need templates this Pulumi stack
does not own. A small CodeBuild project per region runs the one CLI call, with a role that may update exactly that
region's functions. Each region has its own KMS-encrypted artifact store, which cross-region actions require.

Both buildspecs live in the repository (buildspec.yml, deployspec.yml): versioned, reviewed and unit-tested. The
build artifact carries deployspec.yml, so a deploy runs the spec that was tested with the code it deploys. The
CodeBuild projects take their source from CodePipeline (the pipeline's source is S3; CodePipeline rewrites any
other source type of a project it drives, which would be permanent drift for Pulumi).

Modules: codebuild.py (what the CodeBuild projects share), build.py (the Build stage), deployer.py (the per-region
deploy project), pipeline.py (the pipeline), notifications.py (its trigger and failure events).
"""

from delivery_stack.components.cicd.codebuild import (
    BUILDSPEC_PATH,
    DEPLOYSPEC_PATH,
    PACKAGE_DIR,
    SOURCE_OBJECT_KEY,
    package_path,
)
from delivery_stack.components.cicd.deployer import RegionDeployer, RegionDeployerArgs
from delivery_stack.components.cicd.notifications import failure_publishers
from delivery_stack.components.cicd.pipeline import DeliveryPipeline, DeliveryPipelineArgs

__all__ = [
    "BUILDSPEC_PATH",
    "DEPLOYSPEC_PATH",
    "PACKAGE_DIR",
    "SOURCE_OBJECT_KEY",
    "DeliveryPipeline",
    "DeliveryPipelineArgs",
    "RegionDeployer",
    "RegionDeployerArgs",
    "failure_publishers",
    "package_path",
]
