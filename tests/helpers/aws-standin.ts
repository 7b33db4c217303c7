// The AWS stand-in lives with the tools (instructors rehearse the aws target with it too): tools/aws-standin.ts.
export * from '../../tools/aws-standin';
